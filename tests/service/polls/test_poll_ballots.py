"""Answering: whole ballots, replacement, eligibility, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.members.repository import MemberRepository
from bot.polls.model import Audience, PollKind, Secrecy
from bot.polls.questions import QuestionMethod, new_question
from bot.polls.views import AnswerStatus
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow
from tests.service.polls.world import World, consultation, deliberation, refused

GOOD = {1: "A", 2: {"A": "Bien", "B": "Excellent"}}


async def box_state(world: World) -> tuple[int, int, int, int]:
    """Ballots, answers, register rows and total submissions."""

    async def read(uow):  # type: ignore[no-untyped-def]
        session = uow.session
        return (
            await session.scalar(select(func.count()).select_from(BallotRow)),
            await session.scalar(select(func.count()).select_from(AnswerRow)),
            await session.scalar(select(func.count()).select_from(ParticipationRow)),
            await session.scalar(select(func.coalesce(func.sum(ParticipationRow.submissions), 0))),
        )

    return await world.uow_run(read)


@pytest.mark.parametrize("secrecy", [Secrecy.SECRET, Secrecy.NOMINATIVE])
async def test_a_ballot_is_written_whole_and_replaced_until_close(
    world: World, secrecy: Secrecy
) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation(secrecy))
    first = await world.run(lambda s: s.submit(voter, poll_id, GOOD, "telegram"))
    assert not first.replaced
    assert (first.receipt is not None) is (secrecy is Secrecy.SECRET)
    assert await box_state(world) == (1, 2, 1, 1)
    mine = await world.run(lambda s: s.my_ballot(voter, poll_id))
    assert mine is not None and mine.answers == {
        1: "A",
        2: {"A": "Bien", "B": "Excellent", "C": "À rejeter"},
    }
    world.later(minutes=5)
    second = await world.run(lambda s: s.submit(voter, poll_id, {1: None, 2: {}}, "matrix"))
    assert second.replaced and second.receipt == first.receipt
    assert await box_state(world) == (1, 2, 1, 2)
    mine = await world.run(lambda s: s.my_ballot(voter, poll_id))
    assert mine is not None and mine.answers[1] is None and mine.receipt == first.receipt
    await world.run(lambda s: s.close(admin, poll_id))
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.submit(voter, poll_id, GOOD, "telegram"))
    assert caught.value.key == "poll.closed"
    assert await box_state(world) == (1, 2, 1, 2)


async def test_register_records_who_when_and_where(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers")
    poll_id = await world.open_poll(admin, deliberation())
    start = world.clock.now()
    await world.run(lambda s: s.submit(voter, poll_id, GOOD, "telegram"))
    world.later(hours=1)
    await world.run(lambda s: s.submit(voter, poll_id, GOOD, "matrix"))

    async def read(uow):  # type: ignore[no-untyped-def]
        return (await uow.session.scalars(select(ParticipationRow))).one()

    row = await world.uow_run(read)
    assert (row.member_id, row.college_key, row.platform) == (voter.id, "usagers", "matrix")
    assert (row.first_at, row.last_at, row.submissions) == (start, world.clock.now(), 2)


async def test_two_identities_of_one_member_make_one_ballot(world: World) -> None:
    admin = await world.admin()
    await world.member(
        "Awa", "salaries", identities=(("telegram", "111"), ("matrix", "@awa:example.org"))
    )
    poll_id = await world.open_poll(admin, deliberation())

    async def as_identity(platform: str, user_key: str, answers: dict) -> object:  # type: ignore[type-arg]
        async def work(uow):  # type: ignore[no-untyped-def]
            from bot.polls.service import PollsService

            member = await MemberRepository(uow.session).by_identity(
                world.org.id, platform, user_key
            )
            return await PollsService(uow, world.org).submit(member, poll_id, answers, platform)

        return await world.uow_run(work)

    first = await as_identity("telegram", "111", GOOD)
    second = await as_identity("matrix", "@awa:example.org", {1: "B", 2: {}})
    assert second.replaced and second.receipt == first.receipt  # type: ignore[attr-defined]
    assert (await box_state(world))[:3] == (1, 2, 1)


async def test_non_eligible_members_are_refused_and_nothing_is_written(world: World) -> None:
    admin = await world.admin()
    participant = await world.member(college="usagers", roles=(Role.PARTICIPANT,))
    no_college = await world.member(college=None)
    other_college = await world.member(college="collectivites")
    poll_id = await world.open_poll(admin, deliberation())
    only_salaries = await world.open_poll(
        admin, consultation(audience=Audience(colleges=frozenset({"salaries"})))
    )
    for member, target in (
        (participant, poll_id),
        (no_college, poll_id),
        (admin, poll_id),
        (other_college, only_salaries),
    ):
        with pytest.raises(DomainError) as caught:
            await world.run(lambda s, m=member, p=target: s.submit(m, p, GOOD, "shell"))
        assert caught.value.key == "poll.not_eligible"
        with refused("poll.not_eligible"):
            await world.run(lambda s, m=member, p=target: s.answerable(m, p))
    assert await box_state(world) == (0, 0, 0, 0)


async def test_a_member_who_lost_their_role_can_no_longer_answer(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation())
    await world.run(lambda s: s.submit(voter, poll_id, GOOD, "shell"))

    async def revoke(uow):  # type: ignore[no-untyped-def]
        repo = MemberRepository(uow.session)
        await repo.revoke(voter.id, Role.ASSOCIATE)
        return await repo.get(voter.id)

    demoted = await world.uow_run(revoke)
    with refused("poll.not_eligible"):
        await world.run(lambda s: s.submit(demoted, poll_id, GOOD, "shell"))
    with refused("poll.not_eligible"):
        await world.run(lambda s: s.my_ballot(demoted, poll_id))


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({1: "Z", 2: {}}, "answer.no_such_option"),
        ({2: {}}, "ballot.missing_answer"),
        ({1: "A", 2: {}, 3: "x"}, "ballot.unknown_question"),
        ({1: "A", 2: {"A": "Super"}}, "answer.unknown_grade"),
        ({1: "A", 2: {"D": "Bien"}}, "answer.no_such_option"),
        ({1: ["A"], 2: {}}, "answer.no_such_option"),
    ],
)
async def test_invalid_ballots_are_refused_whole(world: World, answers: dict, key: str) -> None:  # type: ignore[type-arg]
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation())
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.submit(voter, poll_id, answers, "shell"))
    assert caught.value.key == key
    assert await box_state(world) == (0, 0, 0, 0)


async def test_an_invalid_replacement_keeps_the_previous_ballot(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation())
    await world.run(lambda s: s.submit(voter, poll_id, GOOD, "shell"))
    with refused("answer.no_such_option"):
        await world.run(lambda s: s.submit(voter, poll_id, {1: "C", 2: {}}, "shell"))
    mine = await world.run(lambda s: s.my_ballot(voter, poll_id))
    assert mine is not None and mine.answers[1] == "A"
    assert await box_state(world) == (1, 2, 1, 1)


async def test_every_method_round_trips_through_the_box(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers", roles=(Role.PARTICIPANT,))
    questions = (
        new_question("Un ?", QuestionMethod.SINGLE, ["a", "b", "c"]),
        new_question("Plusieurs ?", QuestionMethod.MULTIPLE, ["a", "b", "c"], max_selections=2),
        new_question("Classez", QuestionMethod.RANKING, ["a", "b", "c"]),
        new_question("Notez", QuestionMethod.JUDGMENT, ["a", "b"]),
        new_question("Échelle", QuestionMethod.SCALE, scale_min=0, scale_max=10),
        new_question("Texte", QuestionMethod.FREE_TEXT, max_length=20),
        new_question("Facultatif", QuestionMethod.FREE_TEXT, optional=True),
    )
    poll_id = await world.open_poll(admin, consultation(*questions, secrecy=Secrecy.SECRET))
    answers = {
        1: "C",
        2: ("C", "A"),
        3: ("B", "C", "A"),
        4: {"B": "Passable"},
        5: 0,
        6: "  Plus de bancs  ",
    }
    await world.run(lambda s: s.submit(voter, poll_id, answers, "shell"))
    mine = await world.run(lambda s: s.my_ballot(voter, poll_id))
    assert mine is not None
    assert mine.answers == {
        1: "C",
        2: ("A", "C"),
        3: ("B", "C", "A"),
        4: {"A": "À rejeter", "B": "Passable"},
        5: 0,
        6: "Plus de bancs",
    }
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.submit(voter, poll_id, {**answers, 6: "x" * 21}, "shell"))
    assert caught.value.key == "answer.text_too_long"
    assert caught.value.params == {"length": 21, "max": 20, "question": 6}


async def test_polls_for_shows_what_each_member_may_answer(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    participant = await world.member(college=None, roles=(Role.PARTICIPANT,))
    closes = world.clock.now() + timedelta(days=3)
    vote = await world.open_poll(admin, deliberation(closes_at=closes))
    survey = await world.open_poll(admin, consultation())
    await world.run(lambda s: s.create(admin, consultation(title="brouillon")))
    await world.run(lambda s: s.submit(voter, vote, GOOD, "shell"))
    mine = await world.run(lambda s: s.polls_for(voter))
    assert [(m.poll.id, m.status, m.changeable_until) for m in mine] == [
        (vote, AnswerStatus.ANSWERED, closes),
        (survey, AnswerStatus.NOT_STARTED, None),
    ]
    assert mine[0].answered_at == world.clock.now()
    theirs = await world.run(lambda s: s.polls_for(participant))
    assert [m.poll.id for m in theirs] == [survey]


async def test_cancelled_and_draft_polls_refuse_ballots(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    draft = await world.run(lambda s: s.create(admin, deliberation()))
    with refused("poll.not_open"):
        await world.run(lambda s: s.submit(voter, draft.id, GOOD, "shell"))
    poll_id = await world.open_poll(admin, deliberation(kind=PollKind.DELIBERATION))
    await world.run(lambda s: s.cancel(admin, poll_id))
    with refused("poll.cancelled"):
        await world.run(lambda s: s.submit(voter, poll_id, GOOD, "shell"))
    with refused("poll.unknown"):
        await world.run(lambda s: s.submit(voter, 999, GOOD, "shell"))
    assert await box_state(world) == (0, 0, 0, 0)


async def test_a_replacement_that_skips_an_optional_question_drops_its_old_answer(
    world: World,
) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    questions = (
        new_question("Adopter ?", QuestionMethod.SINGLE, ["Oui", "Non"]),
        new_question("Un mot ?", QuestionMethod.FREE_TEXT, optional=True),
    )
    poll_id = await world.open_poll(admin, consultation(*questions))
    await world.run(lambda s: s.submit(voter, poll_id, {1: "A", 2: "Bravo"}, "shell"))
    await world.run(lambda s: s.submit(voter, poll_id, {1: "B"}, "shell"))
    mine = await world.run(lambda s: s.my_ballot(voter, poll_id))
    assert mine is not None and mine.answers == {1: "B"}
    assert await box_state(world) == (1, 1, 1, 2)
