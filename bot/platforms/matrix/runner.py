"""`parvis run` with Matrix: keep the adapter alive until Parvis stops, and lend its Messenger.

`MatrixService.messenger` is a stable `Messenger` for other services (scheduled fan-out):
it forwards to the adapter currently running and raises `MatrixUnavailable` (retry later)
while there is none. A refusal by the homeserver is a `MatrixError` whose `errcode` says why
(`M_FORBIDDEN`, `M_UNKNOWN`, ... mean the member cannot be reached).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import App, Runner
from bot.platforms.matrix.adapter import MatrixAdapter
from bot.platforms.matrix.client import Backoff, MatrixError, MatrixUnavailable
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.messenger import CAPABILITIES, PLATFORM, MatrixMessenger
from bot.platforms.ports import ChatRef, MessageRef, Screen
from bot.settings import MatrixSettings

log = logging.getLogger(__name__)


class MessengerProxy:
    """The `Messenger` of whichever adapter is running now."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self) -> None:
        self.current: MatrixMessenger | None = None

    def _target(self) -> MatrixMessenger:
        if self.current is None:
            raise MatrixUnavailable("messenger", None, "the Matrix adapter is not running")
        return self.current

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen in a room."""
        return await self._target().send(chat, screen)

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen."""
        await self._target().edit(ref, screen)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send to a person in their DM (opened if needed)."""
        return await self._target().send_direct(user_key, screen)


class MatrixService:
    """The Matrix adapter as a long-running service with a stable messenger."""

    def __init__(self, config: MatrixConfig) -> None:
        self.config = config
        self.messenger = MessengerProxy()

    async def run(self, app: App, stop: asyncio.Event) -> None:
        """Run the adapter; after a fatal error (login refused, token revoked, a bug) start
        again with a growing pause, so other platforms keep running and Matrix comes back."""
        backoff = Backoff(2.0, 300.0)
        while not stop.is_set():
            adapter = MatrixAdapter(app, self.config)
            self.messenger.current = adapter.messenger
            try:
                await adapter.run(stop)
                return
            except MatrixError as error:
                wait = backoff.next()
                log.error("matrix adapter stopped: %s; starting again in %.0f s", error, wait)
            except Exception:  # a bug must not take the other platforms down with it
                wait = backoff.next()
                log.exception("matrix adapter crashed; starting again in %.0f s", wait)
            finally:
                self.messenger.current = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)


def matrix_service(settings: MatrixSettings) -> MatrixService:
    """The service for the configured account (raises ValueError when incomplete)."""
    return MatrixService(MatrixConfig.from_settings(settings))


def matrix_runner(settings: MatrixSettings) -> Runner:
    """A runner for the configured Matrix account (raises ValueError when incomplete)."""
    return matrix_service(settings).run
