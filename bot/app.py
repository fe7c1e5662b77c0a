"""Composition root: settings -> engine -> database -> router -> dispatcher -> adapters."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from bot.core.clock import Clock, SystemClock
from bot.handlers.dispatch import Dispatcher
from bot.handlers.registry import build_router
from bot.i18n import compile_catalogs
from bot.members.bootstrap import ensure_organisation
from bot.members.service import OrganisationInfo
from bot.platforms.ports import Messenger
from bot.settings import Settings
from bot.storage.engine import create_engine
from bot.storage.uow import Database

log = logging.getLogger(__name__)


@dataclass(slots=True)
class App:
    """Everything built once, passed explicitly."""

    settings: Settings
    clock: Clock
    db: Database
    dispatcher: Dispatcher
    organisation: OrganisationInfo
    #: The Messenger of each running adapter, by platform: adapters add theirs when they are
    #: ready and remove it when they stop; scheduled deliveries are sent through them.
    messengers: dict[str, Messenger] = field(default_factory=dict)

    async def close(self) -> None:
        """Release connections."""
        await self.db.dispose()


async def build_app(settings: Settings, clock: Clock | None = None) -> App:
    """Build the application's parts (the database schema must be up to date)."""
    compile_catalogs()
    clock = clock or SystemClock()
    db = Database(
        create_engine(settings.database_url, sqlite_threaded=settings.sqlite_threaded), clock
    )
    organisation = await ensure_organisation(db, settings.organisation)
    dispatcher = Dispatcher(
        db,
        build_router(),
        settings.organisation.slug,
        clock,
        serialize_chats=settings.telegram.mode == "webhook",  # several `web` processes
    )
    return App(settings, clock, db, dispatcher, organisation)


Runner = Callable[[App, asyncio.Event], Coroutine[None, None, None]]


async def run_services(app: App, runners: list[Runner]) -> None:
    """Run adapters side by side in one loop until SIGTERM/SIGINT, then stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with asyncio.TaskGroup() as group:
            for runner in runners:
                group.create_task(runner(app, stop))
    finally:
        await app.close()
