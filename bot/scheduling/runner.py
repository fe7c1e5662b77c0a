"""Scheduling as a service of the app: the dispatcher loop plus the digest cron, one Runner.

Wiring (in ``bot/runner.py``)::

    from bot.scheduling.runner import scheduler_runner

    def register(scheduling: Scheduling, app: App) -> None:
        scheduling.register("poll.close", close_poll_job)      # JobHandler(uow, job)
        scheduling.register(DIGEST, send_digest_job)

    runners.append(scheduler_runner(lambda app: MessengerSender(app, messengers), register))

or build it yourself to keep a handle for ``wake()``::

    scheduling = Scheduling.build(app.db, sender)
    runners.append(scheduling.runner)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.scheduling.cron import DigestCron
from bot.scheduling.dispatcher import DispatcherConfig, JobDispatcher, JobHandler
from bot.scheduling.sending import DeliverySender
from bot.storage.uow import Database

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Scheduling:
    """The dispatcher and the digest cron of one process."""

    dispatcher: JobDispatcher
    cron: DigestCron

    @staticmethod
    def build(
        db: Database,
        sender: DeliverySender,
        config: DispatcherConfig | None = None,
        *,
        worker_id: str | None = None,
    ) -> Scheduling:
        """Assemble a dispatcher and its cron on a database."""
        dispatcher = JobDispatcher(db, sender, config, worker_id=worker_id)
        return Scheduling(dispatcher, DigestCron(db, dispatcher.wake))

    def register(self, kind: str, handler: JobHandler) -> None:
        """Handle jobs of a kind (see ``JobDispatcher.register``)."""
        self.dispatcher.register(kind, handler)

    def wake(self) -> None:
        """Look for due work now."""
        self.dispatcher.wake()

    async def run(self, stop: asyncio.Event) -> None:
        """Start the cron, dispatch until ``stop``, then stop both cleanly."""
        log.info("scheduling started (worker %s)", self.dispatcher.worker_id)
        try:
            await self.cron.start()
        except Exception:
            log.exception("digest cron could not start; digests wait for the next refresh")
        try:
            await self.dispatcher.run(stop)
        finally:
            self.cron.shutdown()
            log.info("scheduling stopped")

    async def runner(self, app: App, stop: asyncio.Event) -> None:
        """This service as a ``bot.app.Runner``."""
        del app
        await self.run(stop)


def scheduler_runner(
    make_sender: Callable[[App], DeliverySender],
    register: Callable[[Scheduling, App], None] | None = None,
    config: DispatcherConfig | None = None,
) -> Callable[[App, asyncio.Event], Coroutine[None, None, None]]:
    """A ``Runner`` for ``run_services``: builds the sender and job kinds from the app, runs."""

    async def runner(app: App, stop: asyncio.Event) -> None:
        scheduling = Scheduling.build(app.db, make_sender(app), config)
        if register is not None:
            register(scheduling, app)
        await scheduling.run(stop)

    return runner
