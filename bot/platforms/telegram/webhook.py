"""Webhook mode: a small aiohttp server that checks Telegram's secret token header.

PTB's own webhook server needs tornado (the `webhooks` extra), which Parvis does not install;
aiohttp is already a dependency. Each update is written to the inbox before Telegram gets
its 200, so an update acknowledged to Telegram is never lost by a crash.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"
MAX_BODY = 1024 * 1024

Accept = Callable[[dict[str, Any]], Awaitable[None]]


def webhook_path(webhook_url: str | None) -> str:
    """The local path to serve: the public URL's path, or a default one."""
    path = urlsplit(webhook_url).path if webhook_url else ""
    return path if path and path != "/" else DEFAULT_PATH


class WebhookServer:
    """Receives updates POSTed by Telegram and hands them to `accept`."""

    def __init__(self, path: str, secret: str, accept: Accept) -> None:
        if not secret:
            raise ValueError("webhook mode needs a secret token (PARVIS_TELEGRAM__WEBHOOK_SECRET)")
        self.path = path
        self.secret = secret.encode()
        self.accept = accept
        self.rejected = 0
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free one, see `port`)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self.rejected += 1
            log.warning("webhook request with a wrong secret token refused")
            return web.Response(status=403, text="forbidden")
        try:
            update = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="bad json")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        await self.accept(update)
        return web.Response(status=200, text="ok")
