"""Scheduling as a service of ``parvis run``: the dispatcher with the application's job kinds,
the platform sender, the digest cron, and a sweep that plans missing poll jobs.

The sweep runs at start-up and every few minutes: it gives every scheduled or open poll its
jobs, whatever path changed it (a command, a button, a poll opened by its first ballot, a poll
created before this version). Planning is idempotent, so several processes may sweep at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.jobs import admin_reports, digest, keys, poll_jobs
from bot.jobs.planning import plan_poll_jobs
from bot.jobs.screens import Composers
from bot.polls.model import PollStatus
from bot.polls.repository import PollRepository
from bot.scheduling.delivery import PlatformDeliverySender
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.model import DELIVERY_FAILED, DIGEST, MEMBER_UNREACHABLE
from bot.scheduling.runner import Scheduling
from bot.storage.poll_tables import PollRow
from bot.storage.uow import Database

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=5)
ADAPTERS_WAIT = 30.0  # seconds
#: Two sends in flight per process: about 30 messages/s through Telegram's ~40 ms round trip;
#: a crashed process may then re-send at most 2 messages (see docs/scheduling.md).
DEFAULT_CONFIG = DispatcherConfig(max_in_flight=2, batch=20)


def register_jobs(scheduling: Scheduling) -> None:
    """Handle every job kind of the application."""
    scheduling.register(keys.POLL_OPEN, poll_jobs.open_poll)
    scheduling.register(keys.POLL_CLOSE, poll_jobs.close_poll)
    scheduling.register(keys.POLL_REMINDER, poll_jobs.remind)
    scheduling.register(keys.POLL_TURNOUT, poll_jobs.check_turnout)
    scheduling.register(DIGEST, digest.send_digest)
    scheduling.register(MEMBER_UNREACHABLE, admin_reports.member_unreachable)
    scheduling.register(DELIVERY_FAILED, admin_reports.delivery_failed)


def build_scheduling(
    app: App,
    platforms: frozenset[str] | None = None,
    config: DispatcherConfig | None = None,
    *,
    worker_id: str | None = None,
) -> Scheduling:
    """The dispatcher of this process: app's messengers, composers, job kinds; the handlers'
    dispatcher wakes it after an interaction planned something."""
    sender = PlatformDeliverySender(app.db, app.messengers, Composers().table(), platforms)
    scheduling = Scheduling.build(app.db, sender, config or DEFAULT_CONFIG, worker_id=worker_id)
    register_jobs(scheduling)
    app.dispatcher.wake_scheduler = scheduling.wake
    return scheduling


async def sweep(db: Database) -> int:
    """Plan the missing jobs of every scheduled or open poll; returns how many polls."""
    live = [PollStatus.SCHEDULED.value, PollStatus.OPEN.value]
    async with db.uow() as uow:
        rows = list(await uow.session.scalars(select(PollRow).where(PollRow.status.in_(live))))
        polls = PollRepository(uow.session)
        for row in rows:
            await plan_poll_jobs(uow, await polls.to_poll(row), revive=False)
        await uow.commit()
    return len(rows)


async def _sweep_forever(db: Database, wake: Callable[[], None], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            if await sweep(db):
                wake()
        except Exception:
            log.exception("poll sweep failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_EVERY.total_seconds())


async def _adapters_ready(
    app: App, platforms: frozenset[str], stop: asyncio.Event, limit: float = ADAPTERS_WAIT
) -> None:
    """Give the adapters a moment to connect, so the first messages need not be postponed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not stop.is_set() and loop.time() < deadline:
        if platforms <= set(app.messengers):
            return
        await asyncio.sleep(0.1)
    missing = sorted(platforms - set(app.messengers))
    if missing:
        log.warning("scheduling starts without %s (not connected yet)", ", ".join(missing))


def scheduling_runner(
    platforms: frozenset[str] | None = None, config: DispatcherConfig | None = None
) -> Callable[[App, asyncio.Event], Coroutine[None, None, None]]:
    """A ``Runner`` for ``run_services``: sweep, dispatch and send until stopped."""

    async def run(app: App, stop: asyncio.Event) -> None:
        scheduling = build_scheduling(app, platforms, config)
        await _adapters_ready(app, platforms or frozenset(), stop)
        sweeper = asyncio.create_task(_sweep_forever(app.db, scheduling.wake, stop))
        try:
            await scheduling.run(stop)
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    return run
