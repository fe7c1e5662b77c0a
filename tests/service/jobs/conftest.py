"""Scheduled work through the shell adapter: the real dispatcher, sender and composers, a
frozen clock moved by the test, and each person's scheduled messages in their own inbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.core.clock import FrozenClock
from bot.jobs.service import build_scheduling
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.runner import Scheduling


class Scheduler:
    """The scheduling of the app under test, run step by step."""

    def __init__(self, app: App, clock: FrozenClock) -> None:
        self.clock = clock
        self.scheduling: Scheduling = build_scheduling(
            app, frozenset({"shell"}), DispatcherConfig(max_in_flight=1), worker_id="test"
        )

    async def run(self) -> None:
        """Everything due now: jobs, then their deliveries."""
        await self.scheduling.dispatcher.dispatch_once()

    async def at(self, when: datetime) -> None:
        """Move the clock to ``when`` (UTC) and run what is due."""
        self.clock.set(when)
        await self.run()

    async def digest_time(self) -> None:
        """What the digest cron does when it fires."""
        await self.scheduling.cron.plan_due_digests()
        await self.run()


@pytest.fixture
def scheduler(app: App, clock: FrozenClock) -> Scheduler:
    return Scheduler(app, clock)


def poll_id(text: str) -> int:
    found = re.search(r"Draft poll (\d+) created", text)
    assert found, text
    return int(found[1])


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


Say = Callable[..., object]
