"""The memory of open polls never lets a ballot through that the database would refuse."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.core.clock import FrozenClock
from bot.polls import open_polls
from bot.polls.model import PollStatus
from bot.polls.service import PollsService
from bot.storage.engine import create_engine
from bot.storage.poll_tables import PollRow
from bot.storage.uow import Database
from tests.service.polls.world import World, deliberation, refused

YES = {1: "A", 2: {}}


@pytest.fixture
async def other_process(database_url: str, clock: FrozenClock) -> AsyncIterator[Database]:
    """A second engine on the same database, as another process would have."""
    db = Database(create_engine(database_url), clock)
    yield db
    await db.dispose()


async def test_a_poll_closed_elsewhere_refuses_ballots_despite_the_memory(
    world: World, other_process: Database
) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation())
    await world.run(lambda s: s.submit(voter, poll_id, YES, "shell"))
    assert open_polls.recall(world.db.engine, poll_id) is not None
    async with other_process.uow() as uow:
        await PollsService(uow, world.org).close(admin, poll_id)
        await uow.commit()
    with refused("poll.closed"):
        await world.run(lambda s: s.submit(voter, poll_id, {1: "B", 2: {}}, "shell"))
    assert open_polls.recall(world.db.engine, poll_id) is None


async def test_a_memory_of_another_opening_is_replaced_by_the_truth(
    world: World, other_process: Database
) -> None:
    admin = await world.admin()
    voter = await world.member(college="salaries")
    poll_id = await world.open_poll(admin, deliberation())
    await world.run(lambda s: s.submit(voter, poll_id, YES, "shell"))
    remembered = open_polls.recall(world.db.engine, poll_id)
    assert remembered is not None and remembered.poll.status is PollStatus.OPEN
    async with other_process.uow() as uow:  # the row now tells of another opening
        later = world.clock.now() + timedelta(seconds=1)
        await uow.session.execute(
            update(PollRow).where(PollRow.id == poll_id).values(opened_at=later)
        )
        await uow.commit()
    submission = await world.run(lambda s: s.submit(voter, poll_id, {1: "B", 2: {}}, "shell"))
    assert submission.replaced
    fresh = open_polls.recall(world.db.engine, poll_id)
    assert fresh is not None and fresh.poll.opened_at == later
