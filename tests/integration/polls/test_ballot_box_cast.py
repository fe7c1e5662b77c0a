"""Casting a ballot: nothing written when the register refuses, and on PostgreSQL the
signature, the ballot and its answers in one statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.polls.ballot_box import BallotBox, BallotToCast, Signature, StoredAnswer
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow, PollRow, QuestionRow
from tests.service.polls.world import World, deliberation
from tests.support.databases import record_statements

YES = {1: "A", 2: {"A": "Bien"}}


async def _counts(world: World) -> tuple[int, int, int]:
    async def read(uow):  # type: ignore[no-untyped-def]
        tables = (ParticipationRow, BallotRow, AnswerRow)
        return tuple(
            [await uow.session.scalar(select(func.count()).select_from(t)) for t in tables]
        )

    return await world.uow_run(read)  # type: ignore[no-any-return]


async def test_a_refused_signature_writes_nothing(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers")
    poll_id = await world.open_poll(admin, deliberation())

    async def cast(uow, opened_at_shift: timedelta):  # type: ignore[no-untyped-def]
        opened_at = await uow.session.scalar(
            select(PollRow.opened_at).where(PollRow.id == poll_id)
        )
        first, second = await uow.session.scalars(
            select(QuestionRow.id).where(QuestionRow.poll_id == poll_id).order_by(QuestionRow.id)
        )
        signature = Signature(
            world.org.id, poll_id, opened_at + opened_at_shift, voter.id, "usagers", "tg",
            world.clock.now(),
        )  # fmt: skip
        ballot = BallotToCast(
            f"m:{voter.id}", voter.id, world.clock.now(), None,
            [StoredAnswer(first, "A"), StoredAnswer(second, "A=Bien")],
        )  # fmt: skip
        done = await BallotBox(uow.session).cast(signature, ballot)
        await uow.commit()
        return done

    assert await world.uow_run(lambda uow: cast(uow, timedelta(seconds=1))) is None
    assert await _counts(world) == (0, 0, 0)
    first = await world.uow_run(lambda uow: cast(uow, timedelta(0)))
    assert first is not None and not first.replaced
    assert await _counts(world) == (1, 1, 2)
    again = await world.uow_run(lambda uow: cast(uow, timedelta(0)))
    assert again is not None and again.replaced
    assert await _counts(world) == (1, 1, 2)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite: three
async def test_postgresql_casts_in_one_statement(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers")
    poll_id = await world.open_poll(admin, deliberation())
    await world.run(lambda s: s.submit(voter, poll_id, YES, "tg"))  # the poll is remembered
    statements = record_statements(world.db.engine)
    submission = await world.run(lambda s: s.submit(voter, poll_id, {1: "B", 2: {}}, "tg"))
    assert submission.replaced
    assert len(statements) == 1 and statements[0].startswith("WITH signed AS")
    assert await _counts(world) == (1, 1, 2)
