"""`parvis run` with Matrix: keep the adapter alive until Parvis stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import App, Runner
from bot.platforms.matrix.adapter import MatrixAdapter
from bot.platforms.matrix.client import Backoff, MatrixError
from bot.platforms.matrix.config import MatrixConfig
from bot.settings import MatrixSettings

log = logging.getLogger(__name__)


def matrix_runner(settings: MatrixSettings) -> Runner:
    """A runner for the configured Matrix account (raises ValueError when incomplete)."""
    config = MatrixConfig.from_settings(settings)

    async def run(app: App, stop: asyncio.Event) -> None:
        await run_until_stopped(app, config, stop)

    return run


async def run_until_stopped(app: App, config: MatrixConfig, stop: asyncio.Event) -> None:
    """Run the adapter; after a fatal Matrix error (login refused, token revoked) start again
    with a growing pause, so other platforms keep running and Matrix comes back by itself."""
    backoff = Backoff(2.0, 300.0)
    while not stop.is_set():
        try:
            await MatrixAdapter(app, config).run(stop)
            return
        except MatrixError as error:
            wait = backoff.next()
            log.error("matrix adapter stopped: %s; starting again in %.0f s", error, wait)
        except Exception:  # a bug must not take the other platforms down with it
            wait = backoff.next()
            log.exception("matrix adapter crashed; starting again in %.0f s", wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
