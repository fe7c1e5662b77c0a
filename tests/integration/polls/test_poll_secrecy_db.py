"""After the close of a secret poll, nothing in the database links a ballot to a member.

The test plays a secret deliberation, captures everything an insider could hold before the
close (the per-poll secret, every pseudonym, ballot ids, the order of voting), closes the poll,
then reads every column of every ballot-box row and checks that none of it can be joined to
the participation register, the members or their identities.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select, text

from bot.members.model import Member
from bot.polls.model import ResultsVisibility, Secrecy
from bot.polls.secrecy import pseudonym
from bot.storage.poll_tables import AnswerRow, BallotRow, PollRow
from tests.service.polls.world import World, deliberation

VOTERS_PER_COLLEGE = 10
BOX_COLUMNS = {
    "poll_ballots": {
        "id", "poll_id", "voter_key", "member_id", "college_key", "receipt", "submitted_at",
        "origin",
    },
    "poll_answers": {"ballot_id", "question_id", "college_key", "value", "text"},
}  # fmt: skip
PER_BALLOT_IDS = {"id", "ballot_id", "voter_key", "member_id", "receipt", "origin"}


async def _rows(world: World, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async def read(uow):  # type: ignore[no-untyped-def]
        return [tuple(row) for row in await uow.session.execute(text(sql), params)]

    return await world.uow_run(read)


async def _play(world: World) -> tuple[int, Member, list[Member], list[str], bytes]:
    """A secret deliberation: 30 voters, some change their mind. Returns what insiders saw."""
    admin = await world.admin()
    voters = [m for group in (await world.associates(VOTERS_PER_COLLEGE)).values() for m in group]
    poll_id = await world.open_poll(admin, deliberation(visibility=ResultsVisibility.LIVE))

    async def secret(uow):  # type: ignore[no-untyped-def]
        return await uow.session.scalar(select(PollRow.secret).where(PollRow.id == poll_id))

    poll_secret: bytes = await world.uow_run(secret)
    rng = random.Random(7)
    receipts_in_voting_order: list[str] = []
    for voter in voters:
        world.later(minutes=3)
        answers = {1: rng.choice("AB"), 2: {"A": rng.choice(["Bien", "Passable"])}}
        submission = await world.run(lambda s, v=voter, a=answers: s.submit(v, poll_id, a, "tg"))
        assert submission.receipt is not None
        receipts_in_voting_order.append(submission.receipt)
    for voter in voters[::4]:
        world.later(minutes=1)
        await world.run(lambda s, v=voter: s.submit(v, poll_id, {1: "B", 2: {}}, "matrix"))
    return poll_id, admin, voters, receipts_in_voting_order, poll_secret


async def test_no_ballot_row_can_be_joined_to_a_member_after_close(world: World) -> None:
    poll_id, admin, voters, receipts_in_order, poll_secret = await _play(world)
    before_ids = {row[0] for row in await _rows(world, "SELECT id FROM poll_ballots")}
    before = await world.run(lambda s: s.results(admin, poll_id))
    world.later(hours=1)
    await world.run(lambda s: s.close(admin, poll_id))

    # The schema has not grown a column this test does not know about.
    async def columns(uow):  # type: ignore[no-untyped-def]
        conn = await uow.session.connection()
        return await conn.run_sync(
            lambda sync: {
                t: {c["name"] for c in inspect(sync).get_columns(t)} for t in BOX_COLUMNS
            }
        )

    assert await world.uow_run(columns) == BOX_COLUMNS

    # The per-poll secret is gone; pseudonyms, members and times are gone from the box.
    assert await _rows(world, "SELECT secret FROM polls WHERE id = :p", p=poll_id) == [(None,)]
    ballots = await _rows(world, "SELECT * FROM poll_ballots")
    answers = await _rows(world, "SELECT * FROM poll_answers")
    assert len(ballots) == len(voters) and len(answers) == 2 * len(voters)
    names = [c.name for c in BallotRow.__table__.columns]
    for row in ballots:
        ballot = dict(zip(names, row, strict=True))
        assert ballot["voter_key"] is None and ballot["member_id"] is None
        assert ballot["submitted_at"] is None and ballot["origin"] is None
    # Ballot ids were all redrawn, so an id seen before the close leads nowhere.
    assert not before_ids & {row[0] for row in ballots}

    # Nothing an insider knows about the voters appears anywhere in the ballot box.
    forbidden: set[str] = set()
    member_ids: set[str] = set()
    register = await _rows(world, "SELECT member_id, first_at, last_at FROM poll_participations")
    for member_id, first_at, last_at in register:
        member_ids.add(str(member_id))
        forbidden |= {*_time_forms(first_at), *_time_forms(last_at)}
        forbidden.add(pseudonym(poll_secret, poll_id, member_id))
        forbidden.add(f"member:{member_id}")
    for (user_key,) in await _rows(world, "SELECT user_key FROM identities"):
        forbidden.add(str(user_key))
    for (name,) in await _rows(world, "SELECT display_name FROM members"):
        forbidden.add(str(name))
    for table, rows in (("poll_ballots", ballots), ("poll_answers", answers)):
        table_names = [c.name for c in (BallotRow if table == "poll_ballots" else AnswerRow)
                       .__table__.columns]  # fmt: skip
        for row in rows:
            for column, value in zip(table_names, row, strict=True):
                if value is None:
                    continue
                assert str(value) not in forbidden, (table, column)
                if column in PER_BALLOT_IDS:
                    assert str(value) not in member_ids, (table, column)

    # The order the box is stored in is not the order of voting.
    stored_order = await _stored_receipt_order(world, poll_id)
    assert sorted(stored_order) == sorted(receipts_in_order)
    assert stored_order != receipts_in_order
    assert [r for r in stored_order if r in receipts_in_order] != receipts_in_order

    # The register still says who took part — and only that.
    assert len(register) == len(voters)
    assert await _rows(world, "SELECT count(*) FROM poll_participations") == [(len(voters),)]

    # Sealing changed nothing in the count.
    after = await world.run(lambda s: s.results(admin, poll_id))
    assert [q.tally.to_json() for q in after.questions if q.tally] == [
        q.tally.to_json() for q in before.questions if q.tally
    ]


async def test_postgres_system_columns_do_not_link_the_box_to_the_register(world: World) -> None:
    poll_id, admin, _voters, _receipts, _secret = await _play(world)

    async def dialect(uow):  # type: ignore[no-untyped-def]
        return uow.dialect

    if await world.uow_run(dialect) != "postgresql":
        return
    await world.run(lambda s: s.close(admin, poll_id))
    ballot_xmins = {row[0] for row in await _rows(world, "SELECT xmin::text FROM poll_ballots")}
    answer_xmins = {row[0] for row in await _rows(world, "SELECT xmin::text FROM poll_answers")}
    register_xmins = {
        row[0] for row in await _rows(world, "SELECT xmin::text FROM poll_participations")
    }
    assert len(ballot_xmins) == 1 and ballot_xmins == answer_xmins
    assert not ballot_xmins & register_xmins


async def test_nominative_polls_keep_the_voter(world: World) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation(Secrecy.NOMINATIVE))
    await world.run(lambda s: s.submit(voter, poll_id, {1: "A", 2: {}}, "shell"))
    await world.run(lambda s: s.close(admin, poll_id))
    rows = await _rows(world, "SELECT member_id, submitted_at, receipt FROM poll_ballots")
    assert [(r[0], r[2]) for r in rows] == [(voter.id, None)] and rows[0][1] is not None


def _time_forms(value: Any) -> set[str]:
    if isinstance(value, datetime):
        return {str(value), value.isoformat(), value.replace(tzinfo=None).isoformat(" ")}
    return {str(value)}


async def _stored_receipt_order(world: World, poll_id: int) -> list[str]:
    async def read(uow):  # type: ignore[no-untyped-def]
        order = "ORDER BY ctid" if uow.dialect == "postgresql" else ""
        rows = await uow.session.execute(
            text(f"SELECT receipt FROM poll_ballots WHERE poll_id = :p {order}"), {"p": poll_id}
        )
        return [row[0] for row in rows]

    return await world.uow_run(read)
