"""Poll service tests run on a real SQLite and a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.clock import FrozenClock
from tests.service.polls.world import World, make_world


@pytest.fixture
async def world(database_url: str, clock: FrozenClock) -> AsyncIterator[World]:
    """A cooperative with three collèges on a fresh database."""
    async for built in make_world(database_url, clock):
        yield built
