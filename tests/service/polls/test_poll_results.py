"""Results from the database: weighted and headcount, participation, quorum, majority,
small-collège guard, visibility; exports that the independent recount reproduces."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.polls.model import ResultsVisibility, Secrecy
from bot.polls.questions import QuestionMethod, RankingRule, new_question
from bot.polls.recount import recount
from bot.polls.repository import NO_COLLEGE
from tests.service.polls.world import World, consultation, deliberation, refused

F = Fraction


async def _vote(world: World, poll_id: int, plan: dict[str, list[dict]]) -> dict:  # type: ignore[type-arg]
    """Members of each collège vote as planned; returns the members by collège."""
    members = {}
    for college, ballots in plan.items():
        members[college] = []
        for answers in ballots:
            member = await world.member(college=college)
            await world.run(lambda s, m=member, a=answers: s.submit(m, poll_id, a, "shell"))
            members[college].append(member)
    return members


YES = {1: "A", 2: {"A": "Très bien", "B": "Bien", "C": "Passable"}}
NO = {1: "B", 2: {"A": "Passable", "B": "Très bien", "C": "Bien"}}
BLANK = {1: None, 2: {}}


async def test_weighted_and_headcount_results_side_by_side(world: World) -> None:
    admin = await world.admin()
    poll_id = await world.open_poll(admin, deliberation())
    await world.member(college="collectivites")  # eligible, does not vote
    await _vote(
        world,
        poll_id,
        {
            "salaries": [YES] * 5 + [NO] * 1,
            "usagers": [NO] * 6 + [BLANK],
            "collectivites": [YES] * 5,
        },
    )
    await world.run(lambda s: s.close(admin, poll_id))
    results = await world.run(lambda s: s.results(admin, poll_id))
    assert results.final and results.weighted and results.statutes_version == 1
    single = results.questions[0]
    assert single.tally is not None
    head = single.tally.headcount
    assert dict(head.votes) == {"A": 10, "B": 7}
    assert single.tally.turnout.blank == 1
    # weighted: salariés 2/5 × 5/6, usagers 2/5 × 0, collectivités 1/5 × 5/5
    weighted = single.tally.weighted
    assert weighted is not None and weighted.shares["A"] == F(2, 5) * F(5, 6) + F(1, 5)
    assert single.tally.winner == "A"
    assert single.majority is not None
    assert single.majority.share == F(8, 15) and single.majority.met
    part = results.participation
    assert (part.eligible, part.voted) == (19, 18)
    assert part.colleges["collectivites"].eligible == 6
    assert part.colleges["usagers"].voted == 7
    doc = results.to_json()
    assert doc["conventions"]["weights"] == {
        "salaries": "2/5", "usagers": "2/5", "collectivites": "1/5"
    }  # fmt: skip
    assert doc["quorum"] == {"required": "0", "value": "18/19", "met": True}
    assert doc["questions"][1]["result"]["winner"] in ("A", "B")
    json.dumps(doc)


async def test_extraordinary_majority_and_quorum_from_statutes_or_poll(world: World) -> None:
    await world.set_statutes(quorum=F(4, 5))
    admin = await world.admin()
    poll_id = await world.open_poll(admin, deliberation(extraordinary=True))
    await _vote(world, poll_id, {"salaries": [YES] * 3 + [NO], "usagers": [YES] * 2 + [NO]})
    await world.member(college="collectivites")
    await world.member(college="collectivites")
    await world.run(lambda s: s.close(admin, poll_id))
    results = await world.run(lambda s: s.results(admin, poll_id))
    assert results.decision.majority == F(2, 3) and results.decision.quorum == F(4, 5)
    assert not results.quorum.met  # 7 of 9
    single = results.questions[0]
    assert single.majority is not None
    # collectivités empty: weight redistributed, A = 1/2 × 3/4 + 1/2 × 2/3
    assert single.majority.share == F(17, 24) and single.majority.met
    assert single.tally is not None and single.tally.weighting is not None
    assert single.tally.weighting.empty_colleges == ("collectivites",)
    override = await world.open_poll(admin, deliberation(quorum=F(1, 2), majority=F(3, 4)))
    await world.run(lambda s: s.close(admin, override))
    results = await world.run(lambda s: s.results(admin, override))
    assert (results.decision.quorum, results.decision.majority) == (F(1, 2), F(3, 4))


async def test_small_colleges_are_not_shown_separately(world: World) -> None:
    admin = await world.admin()
    poll_id = await world.open_poll(admin, deliberation())
    await _vote(
        world,
        poll_id,
        {"salaries": [YES] * 6, "usagers": [NO] * 7, "collectivites": [YES, NO]},
    )
    await world.run(lambda s: s.close(admin, poll_id))
    results = await world.run(lambda s: s.results(admin, poll_id))
    single = results.questions[0]
    assert single.breakdown is not None
    assert "collectivites" in single.breakdown.hidden
    shown = results.to_json()["questions"][0]["result"]
    assert "collectivites" not in shown["by_college"]
    assert "collectivites" in shown["hidden_colleges"]
    assert shown["headcount"]["counts"] == {"A": 7, "B": 8}  # still counted


async def test_results_visibility(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    other = await world.member(college="usagers")
    outsider = await world.member(college=None, roles=(Role.PARTICIPANT,))
    hidden = await world.open_poll(admin, deliberation())
    after_voting = await world.open_poll(
        admin, deliberation(visibility=ResultsVisibility.AFTER_VOTING)
    )
    live = await world.open_poll(admin, deliberation(visibility=ResultsVisibility.LIVE))
    for poll_id in (hidden, after_voting, live):
        await world.run(lambda s, p=poll_id: s.submit(voter, p, YES, "shell"))

    async def sees(member, poll_id: int) -> bool:  # type: ignore[no-untyped-def]
        try:
            await world.run(lambda s: s.results(member, poll_id))
        except DomainError as error:
            assert error.key == "poll.results_hidden"
            return False
        return True

    assert [await sees(voter, p) for p in (hidden, after_voting, live)] == [False, True, True]
    assert [await sees(other, p) for p in (hidden, after_voting, live)] == [False, False, True]
    assert [await sees(admin, p) for p in (hidden, after_voting, live)] == [False, False, True]
    assert not await sees(outsider, live)
    await world.run(lambda s: s.close(admin, hidden))
    assert await sees(other, hidden) and await sees(admin, hidden)
    assert not await sees(outsider, hidden)


async def test_consultation_counts_heads_with_a_breakdown_by_college(world: World) -> None:
    admin = await world.admin()
    questions = (
        new_question("Horaire ?", QuestionMethod.SINGLE, ["Matin", "Soir"]),
        new_question("Idées", QuestionMethod.FREE_TEXT),
        new_question("Note", QuestionMethod.SCALE, scale_min=1, scale_max=5),
    )
    poll_id = await world.open_poll(admin, consultation(*questions, secrecy=Secrecy.SECRET))
    for college, choice, note in (("salaries", "A", 4), (None, "B", 2), (None, "B", 5)):
        member = await world.member(college=college, roles=(Role.PARTICIPANT,))
        answers = {1: choice, 2: f"idée {note}", 3: note}
        await world.run(lambda s, m=member, a=answers: s.submit(m, poll_id, a, "shell"))
    await world.run(lambda s: s.close(admin, poll_id))
    results = await world.run(lambda s: s.results(admin, poll_id))
    assert not results.weighted
    single, texts, scale = results.questions
    assert single.tally is not None and single.tally.weighted is None
    assert single.tally.winner == "B"
    assert sorted(texts.texts) == ["idée 2", "idée 4", "idée 5"]
    assert scale.tally is not None and scale.tally.headcount.mean == F(11, 3)
    assert results.participation.colleges[NO_COLLEGE].voted == 2


@pytest.mark.parametrize("secrecy", [Secrecy.SECRET, Secrecy.NOMINATIVE])
async def test_export_is_what_the_recount_reads_and_it_agrees(
    world: World, secrecy: Secrecy
) -> None:
    admin = await world.admin()
    questions = (
        new_question("Budget ?", QuestionMethod.SINGLE, ["Pour", "Contre"]),
        new_question("Projets", QuestionMethod.MULTIPLE, ["a", "b", "c"], max_selections=2),
        new_question("Classement", QuestionMethod.RANKING, ["a", "b", "c"]),
        new_question(
            "Classement IRV", QuestionMethod.RANKING, ["a", "b", "c"], ranking_rule=RankingRule.IRV
        ),
        new_question("Jugement", QuestionMethod.JUDGMENT, ["a", "b"]),
        new_question("Échelle", QuestionMethod.SCALE, scale_min=1, scale_max=4),
        new_question("Remarque", QuestionMethod.FREE_TEXT, optional=True),
    )
    poll_id = await world.open_poll(admin, deliberation(secrecy, questions=questions))
    plan = {
        "salaries": [
            {1: "A", 2: ("A", "B"), 3: ("C", "A"), 4: ("B",), 5: {"A": "Bien"}, 6: 4},
            {1: "B", 2: ("C",), 3: ("A", "B", "C"), 4: ("C", "A"), 5: {}, 6: 2, 7: "ok"},
        ],
        "usagers": [{1: None, 2: None, 3: None, 4: None, 5: None, 6: None}] * 2
        + [{1: "A", 2: ("B",), 3: ("B",), 4: ("A", "B"), 5: {"B": "Excellent"}, 6: 1}],
        "collectivites": [{1: "B", 2: ("A", "C"), 3: ("C",), 4: ("C",), 5: {"A": "Bien"}, 6: 3}],
    }
    members = await _vote(world, poll_id, plan)
    await world.run(lambda s: s.close(admin, poll_id))
    results = await world.run(lambda s: s.results(admin, poll_id))
    documents = await world.run(lambda s: s.export_recount(admin, poll_id))
    assert [d.position for d in documents] == [1, 2, 3, 4, 5, 6]
    for document, result in zip(documents, results.questions, strict=False):
        loaded = json.loads(json.dumps(document.document))
        assert result.tally is not None
        assert recount(loaded) == result.tally.to_json()
        assert document.filename == f"poll-{poll_id}-question-{document.position}.json"
    first = documents[0].document
    if secrecy is Secrecy.SECRET:
        receipts = [row["receipt"] for row in first["ballots"]]
        assert receipts == sorted(receipts) and len(set(receipts)) == 6
        assert all(row.get("count", 1) == 1 for row in first["ballots"])
    else:
        assert {"college": "usagers", "answer": None, "count": 2} in first["ballots"]
    assert first["statutes"]["colleges"][0] == {"id": "salaries", "weight": "2/5"}
    text = await world.run(lambda s: s.export_csv(admin, poll_id))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 1 + 6
    header = rows[0]
    assert header[-7:] == [q.prompt for q in questions]
    names = {m.display_name for group in members.values() for m in group}
    flat = "\n".join(";".join(r) for r in rows[1:])
    if secrecy is Secrecy.SECRET:
        assert header[0] == "Receipt" and not any(name in flat for name in names)
    else:
        assert header[:2] == ["Member", "Submitted at"] and names <= {r[0] for r in rows[1:]}
    assert "Pour" in flat and "c > a" in flat and "blank" in flat and "a: Bien" in flat


async def test_secret_export_and_receipt_list_only_after_close(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation(visibility=ResultsVisibility.LIVE))
    submission = await world.run(lambda s: s.submit(voter, poll_id, YES, "shell"))
    for use_case in ("export_recount", "export_csv"):
        with refused("poll.export_after_close"):
            await world.run(lambda s, u=use_case: getattr(s, u)(admin, poll_id))
    with refused("poll.results_hidden"):
        await world.run(lambda s: s.published_ballots(voter, poll_id))
    with refused("error.admin_only"):
        await world.run(lambda s: s.export_csv(voter, poll_id))
    await world.run(lambda s: s.close(admin, poll_id))
    published = await world.run(lambda s: s.published_ballots(voter, poll_id))
    assert [(b.receipt, b.college_key, b.answers[1]) for b in published] == [
        (submission.receipt, "salaries", "A")
    ]
