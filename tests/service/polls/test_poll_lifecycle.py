"""Defining and running polls: drafts, edits, schedule, open, close, cancel, archive, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.polls.model import Audience, PollStatus
from bot.polls.questions import QuestionMethod, new_question
from bot.storage.poll_tables import PollRow, QuestionRow
from bot.storage.tables import AuditRow
from tests.service.polls.world import World, consultation, deliberation, refused


async def count(world: World, what: object) -> int:
    async def read(uow):  # type: ignore[no-untyped-def]
        return await uow.session.scalar(select(func.count()).select_from(what))

    return int(await world.uow_run(read))


async def audit_actions(world: World) -> list[str]:
    async def read(uow):  # type: ignore[no-untyped-def]
        return list(await uow.session.scalars(select(AuditRow.action).order_by(AuditRow.id)))

    return [a for a in await world.uow_run(read) if a.startswith("poll.")]


async def test_admin_creates_a_draft_with_questions(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    assert poll.status is PollStatus.DRAFT
    assert [q.position for q in poll.questions] == [1, 2]
    assert all(q.id is not None for q in poll.questions)
    assert poll.spec.audience.roles == {Role.ASSOCIATE}
    assert poll.questions[1].option_keys == ("A", "B", "C")
    assert await audit_actions(world) == ["poll.create"]


async def test_non_admin_cannot_define_or_run_polls(world: World) -> None:
    admin = await world.admin()
    member = await world.member(college="salaries")
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.create(member, deliberation()))
    assert caught.value.key == "error.admin_only"
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    for use_case in ("open", "close", "cancel", "archive", "unschedule"):
        with refused("error.admin_only"):
            await world.run(lambda s, u=use_case: getattr(s, u)(member, poll.id))
    assert await count(world, PollRow) == 1
    assert await audit_actions(world) == ["poll.create"]


async def test_edits_only_while_draft(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    extra = new_question("Un commentaire ?", QuestionMethod.FREE_TEXT, optional=True)
    spec = replace(poll.spec, title="Budget 2027 (v2)", questions=(*poll.questions, extra))
    edited = await world.run(lambda s: s.edit(admin, poll.id, spec))
    assert edited.title == "Budget 2027 (v2)" and len(edited.questions) == 3
    assert await count(world, QuestionRow) == 3
    await world.run(lambda s: s.open(admin, poll.id))
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.edit(admin, poll.id, spec))
    assert caught.value.key == "poll.not_draft"
    assert await audit_actions(world) == ["poll.create", "poll.edit", "poll.open"]


async def test_invalid_specs_are_refused_with_precise_keys(world: World) -> None:
    admin = await world.admin()
    cases = {
        "poll.title_empty": deliberation(title="  "),
        "poll.deliberation_associates_only": deliberation(
            audience=Audience(roles=frozenset({Role.PARTICIPANT}))
        ),
        "college.unknown": consultation(audience=Audience(colleges=frozenset({"nope"}))),
        "poll.bad_dates": deliberation(
            opens_at=world.clock.now() + timedelta(days=2),
            closes_at=world.clock.now() + timedelta(days=1),
        ),
    }
    for key, spec in cases.items():
        with pytest.raises(DomainError) as caught:
            await world.run(lambda s, spec=spec: s.create(admin, spec))
        assert caught.value.key == key
    assert await count(world, PollRow) == 0


async def test_opening_pins_the_statutes_and_creates_the_secret(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    opened = await world.run(lambda s: s.open(admin, poll.id))
    assert opened.status is PollStatus.OPEN and opened.statutes_version == 1
    await world.set_statutes(quorum=1)

    async def secret(uow):  # type: ignore[no-untyped-def]
        return await uow.session.scalar(select(PollRow.secret).where(PollRow.id == poll.id))

    assert len(await world.uow_run(secret)) == 32
    assert (await world.run(lambda s: s.get(poll.id))).statutes_version == 1
    closed = await world.run(lambda s: s.close(admin, poll.id))
    assert closed.status is PollStatus.CLOSED and closed.closed_at == world.clock.now()
    assert await world.uow_run(secret) is None


async def test_empty_poll_and_past_closing_cannot_open(world: World) -> None:
    admin = await world.admin()
    empty = await world.run(lambda s: s.create(admin, deliberation(questions=())))
    with refused("poll.no_questions"):
        await world.run(lambda s: s.open(admin, empty.id))
    late = await world.run(
        lambda s: s.create(admin, deliberation(closes_at=world.clock.now() + timedelta(hours=1)))
    )
    world.later(hours=2)
    with refused("poll.closes_in_past"):
        await world.run(lambda s: s.open(admin, late.id))


async def test_deliberation_needs_legal_weights_to_open(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    await world.set_statutes(colleges=world_two_colleges())
    with refused("poll.statutes_invalid"):
        await world.run(lambda s: s.open(admin, poll.id))


def world_two_colleges():  # type: ignore[no-untyped-def]
    from tests.service.polls.world import COLLEGES

    return COLLEGES[:2]


async def test_lifecycle_moves_follow_the_rules(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    with pytest.raises(DomainError) as caught:
        await world.run(lambda s: s.close(admin, poll.id))
    assert caught.value.key == "poll.bad_transition"
    assert caught.value.params == {"poll": poll.id, "status": "draft", "target": "closed"}
    with refused("poll.bad_transition"):
        await world.run(lambda s: s.archive(admin, poll.id))
    await world.run(lambda s: s.open(admin, poll.id))
    await world.run(lambda s: s.close(admin, poll.id))
    for use_case in ("open", "cancel", "close"):
        with refused("poll.bad_transition"):
            await world.run(lambda s, u=use_case: getattr(s, u)(admin, poll.id))
    archived = await world.run(lambda s: s.archive(admin, poll.id))
    assert archived.status is PollStatus.ARCHIVED
    other = await world.run(lambda s: s.create(admin, deliberation()))
    cancelled = await world.run(lambda s: s.cancel(admin, other.id))
    assert cancelled.status is PollStatus.CANCELLED
    assert await audit_actions(world) == [
        "poll.create", "poll.open", "poll.close", "poll.archive", "poll.create", "poll.cancel"
    ]  # fmt: skip


async def test_scheduled_poll_opens_and_closes_when_due(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers")
    now = world.clock.now()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    with refused("poll.opens_in_past"):
        await world.run(lambda s: s.schedule(admin, poll.id, now - timedelta(hours=1)))
    scheduled = await world.run(
        lambda s: s.schedule(admin, poll.id, now + timedelta(hours=1), now + timedelta(days=1))
    )
    assert scheduled.status is PollStatus.SCHEDULED
    with refused("poll.not_open"):
        await world.run(lambda s: s.answerable(voter, poll.id))
    assert await world.run(lambda s: s.polls_for(voter)) == []
    world.later(hours=1)
    listed = await world.run(lambda s: s.polls_for(voter))
    assert [entry.poll.id for entry in listed] == [poll.id]
    assert (await world.run(lambda s: s.answerable(voter, poll.id))).status is PollStatus.OPEN
    due = await world.run(lambda s: s.run_due())
    assert due.opened == () and due.closed == ()
    world.later(days=1)
    with refused("poll.closed"):
        await world.run(lambda s: s.answerable(voter, poll.id))
    due = await world.run(lambda s: s.run_due())
    assert due.closed == (poll.id,)
    assert (await world.run(lambda s: s.get(poll.id))).status is PollStatus.CLOSED
    assert await audit_actions(world) == [
        "poll.create", "poll.schedule", "poll.open", "poll.close"
    ]  # fmt: skip


async def test_unschedule_returns_to_draft(world: World) -> None:
    admin = await world.admin()
    poll = await world.run(lambda s: s.create(admin, deliberation()))
    later = world.clock.now() + timedelta(days=1)
    await world.run(lambda s: s.schedule(admin, poll.id, later))
    back = await world.run(lambda s: s.unschedule(admin, poll.id))
    assert back.status is PollStatus.DRAFT
    assert "poll.unschedule" in await audit_actions(world)


async def test_admin_list_shows_participation(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    first = await world.open_poll(admin, deliberation())
    second = await world.run(lambda s: s.create(admin, consultation()))
    await world.run(lambda s: s.submit(voter, first, {1: "A", 2: {}}, "shell"))
    listed = await world.run(lambda s: s.list_polls(admin))
    assert [(o.poll.id, o.voted) for o in listed] == [(second.id, 0), (first, 1)]
    drafts = await world.run(lambda s: s.list_polls(admin, [PollStatus.DRAFT]))
    assert [o.poll.id for o in drafts] == [second.id]
