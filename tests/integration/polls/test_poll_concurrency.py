"""Racing submissions on real SQLite and PostgreSQL: one ballot per voter, no lost ballot."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.core.errors import DomainError
from bot.polls.ballot_box import BallotBox
from bot.polls.model import Secrecy
from bot.polls.service import PollsService
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow
from tests.service.polls.world import World, deliberation

RACERS = 50


async def _counts(world: World) -> tuple[int, int, int, int]:
    async def read(uow):  # type: ignore[no-untyped-def]
        session = uow.session
        return (
            await session.scalar(select(func.count()).select_from(BallotRow)),
            await session.scalar(select(func.count()).select_from(AnswerRow)),
            await session.scalar(select(func.count()).select_from(ParticipationRow)),
            await session.scalar(select(func.coalesce(func.sum(ParticipationRow.submissions), 0))),
        )

    return await world.uow_run(read)


async def _submit(world: World, member, poll_id: int, answers: dict) -> object:  # type: ignore[no-untyped-def, type-arg]
    async with world.db.uow() as uow:
        try:
            result = await PollsService(uow, world.org).submit(member, poll_id, answers, "tg")
        except DomainError as error:
            await uow.rollback()
            return error
        await uow.commit()
        return result


@pytest.mark.parametrize("secrecy", [Secrecy.SECRET, Secrecy.NOMINATIVE])
async def test_fifty_concurrent_submissions_by_one_member_make_one_ballot(
    world: World, secrecy: Secrecy
) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation(secrecy))
    answers = [{1: "AB"[i % 2], 2: {"A": "Bien"}} for i in range(RACERS)]
    outcomes = await asyncio.gather(*(_submit(world, voter, poll_id, a) for a in answers))
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert Counter(o.replaced for o in outcomes) == {False: 1, True: RACERS - 1}  # type: ignore[attr-defined]
    assert len({o.receipt for o in outcomes}) == 1  # type: ignore[attr-defined]
    assert await _counts(world) == (1, 2, 1, RACERS)


async def test_many_members_voting_at_once_are_all_counted(world: World) -> None:
    admin = await world.admin()
    voters = [m for group in (await world.associates(8)).values() for m in group]
    poll_id = await world.open_poll(admin, deliberation())
    jobs = [_submit(world, v, poll_id, {1: "A", 2: {}}) for v in voters for _ in range(2)]
    outcomes = await asyncio.gather(*jobs)
    assert not [o for o in outcomes if isinstance(o, BaseException)]
    assert await _counts(world) == (len(voters), 2 * len(voters), len(voters), 2 * len(voters))
    receipts = {o.receipt for o in outcomes}  # type: ignore[attr-defined]
    assert len(receipts) == len(voters)


async def test_a_close_racing_submissions_loses_no_ballot_and_admits_none_after(
    world: World,
) -> None:
    admin = await world.admin()
    voters = [m for group in (await world.associates(6)).values() for m in group]
    poll_id = await world.open_poll(admin, deliberation())

    async def close() -> object:
        await asyncio.sleep(0.01)
        return await world.run(lambda s: s.close(admin, poll_id))

    outcomes = await asyncio.gather(
        *(_submit(world, v, poll_id, {1: "B", 2: {}}) for v in voters), close()
    )
    refused = [o for o in outcomes[:-1] if isinstance(o, DomainError)]
    assert all(error.key == "poll.closed" for error in refused)
    accepted = len(voters) - len(refused)
    ballots, answers, register, _ = await _counts(world)
    assert (ballots, answers, register) == (accepted, 2 * accepted, accepted)
    results = await world.run(lambda s: s.results(admin, poll_id))
    assert results.participation.voted == accepted
    assert results.questions[0].tally is not None
    assert results.questions[0].tally.turnout.valid == accepted


@pytest.mark.parametrize("replacing", [False, True])
async def test_a_close_waits_for_the_ballot_being_written_then_seals_it(
    world: World, monkeypatch: pytest.MonkeyPatch, replacing: bool
) -> None:
    admin = await world.admin()
    voter = await world.member(college="usagers")
    poll_id = await world.open_poll(admin, deliberation())
    if replacing:
        await _submit(world, voter, poll_id, {1: "B", 2: {}})
    reached, release = asyncio.Event(), asyncio.Event()
    original = BallotBox.cast

    async def paused_cast(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        cast = await original(self, *args, **kwargs)  # signed and written, not committed
        reached.set()
        await release.wait()
        return cast

    monkeypatch.setattr(BallotBox, "cast", paused_cast)
    ballot = asyncio.create_task(_submit(world, voter, poll_id, {1: "A", 2: {}}))
    await asyncio.wait_for(reached.wait(), timeout=10)
    close = asyncio.create_task(world.run(lambda s: s.close(admin, poll_id)))
    done, _ = await asyncio.wait({close}, timeout=0.5)
    assert not done, "the close must wait for the ballot being written"
    release.set()
    submission = await ballot
    await close
    assert not isinstance(submission, BaseException)

    async def sealed(uow):  # type: ignore[no-untyped-def]
        return list(await uow.session.execute(select(BallotRow.voter_key, BallotRow.receipt)))

    rows = await world.uow_run(sealed)
    assert [(key, receipt) for key, receipt in rows] == [(None, submission.receipt)]  # type: ignore[attr-defined]
    assert submission.replaced is replacing  # type: ignore[attr-defined]
    results = await world.run(lambda s: s.results(admin, poll_id))
    tally = results.questions[0].tally
    assert tally is not None and dict(tally.headcount.votes) == {"A": 1, "B": 0}
