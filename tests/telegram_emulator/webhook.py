"""Push delivery of updates to the webhook set with ``setWebhook``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp

from .state import BotState, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookPusher:
    """Background task POSTing pending updates, one at a time and in order.

    An update is removed from the queue once the webhook answers 2xx. On any other answer or
    a connection error, ``last_error_*`` of ``getWebhookInfo`` is set and delivery is retried
    after ``webhook_retry_delay`` seconds, doubling up to ``webhook_max_retry_delay``.
    """

    def __init__(self, state: BotState) -> None:
        self.state = state
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Start the delivery loop in the running event loop."""
        self._session = aiohttp.ClientSession(trust_env=False)
        self._task = asyncio.create_task(self._run(), name=f"webhook-{self.state.bot_id}")

    async def stop(self) -> None:
        """Stop the loop and close the HTTP session."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _next(self) -> tuple[WebhookConfig, dict[str, Any]] | str | None:
        state = self.state
        if state.closing:
            return "closing"
        hook = state.webhook
        if hook is None:
            return None
        state.updates = [u for u in state.updates if state.allowed(u, state.allowed_updates)]
        return (hook, state.updates[0]) if state.updates else None

    async def _run(self) -> None:
        delay = self.state.config.webhook_retry_delay
        while True:
            item = await self.state.notifier.wait_until(self._next, None)
            if not isinstance(item, tuple):
                return
            hook, update = item
            error = await self._post(hook, update)
            self.state.delivery_counts[update["update_id"]] += 1
            if not self._is_current(hook):
                continue
            if error is None:
                self.state.drop_update(update["update_id"])
                delay = self.state.config.webhook_retry_delay
                continue
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
            self.state.notifier.notify()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.state.config.webhook_max_retry_delay)

    def _is_current(self, hook: WebhookConfig) -> bool:
        """False if the webhook was deleted or replaced during the delivery."""
        return self.state.webhook is hook

    async def _post(self, hook: WebhookConfig, update: dict[str, Any]) -> str | None:
        """POST one update; return an error message, or ``None`` on success."""
        assert self._session is not None
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self.state.config.webhook_timeout)
        try:
            async with self._session.post(
                hook.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc.__class__.__name__}"
