"""The nio client in Parvis's loop: login, persistent device, and requests that retry politely.

nio's own retries are switched off (`max_limit_exceeded=0`, `max_timeouts=0`): left alone it
retries 429s and connection errors forever and hangs whoever awaits it. `MatrixClient.call`
retries instead, honouring `retry_after_ms`, backing off on connection errors and 5xx answers,
and gives up with `MatrixUnavailable` after `max_request_wait` seconds. Other error answers
become `MatrixError` exceptions: nothing downstream inspects nio response classes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import ClientConnectionError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    LoginResponse,
    WhoamiResponse,
)

from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.state import AdapterState

log = logging.getLogger(__name__)

R = TypeVar("R")
TRANSIENT_ERRORS = (ClientConnectionError, TimeoutError, asyncio.TimeoutError, OSError)


class MatrixError(Exception):
    """The homeserver refused a request."""

    def __init__(self, what: str, errcode: str | None, message: str, status: int | None = None):
        super().__init__(f"{what}: {errcode or status} {message}")
        self.errcode = errcode
        self.status = status


class MatrixUnavailable(MatrixError):
    """The homeserver stayed unreachable or rate-limiting for too long."""


class Backoff:
    """Exponential backoff with jitter, reset after a success."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self.attempts = 0

    def next(self) -> float:
        """The next wait, in seconds."""
        wait = min(self.maximum, self.initial * (2**self.attempts))
        self.attempts += 1
        return float(wait * random.uniform(0.8, 1.0))

    def reset(self) -> None:
        """Start again from the initial wait."""
        self.attempts = 0


def is_rate_limited(response: ErrorResponse) -> bool:
    """A 429 / M_LIMIT_EXCEEDED answer."""
    status = getattr(response.transport_response, "status", None)
    return status == 429 or response.status_code == "M_LIMIT_EXCEEDED"


def is_server_trouble(response: ErrorResponse) -> bool:
    """A 5xx answer (a proxy in front of a restarting homeserver, an overloaded server)."""
    status = getattr(response.transport_response, "status", None)
    return status is not None and status >= 500


class MatrixClient:
    """An `AsyncClient` plus login, device persistence and `call` (retrying requests)."""

    def __init__(self, config: MatrixConfig, state: AdapterState) -> None:
        self.config = config
        self.state = state
        self.rate_limited = 0  # 429s met so far (observability, tests)
        self.nio = AsyncClient(
            config.homeserver,
            config.user_id,
            device_id=config.device_id or "",
            store_path=str(config.store_path) if config.encryption else "",
            config=AsyncClientConfig(
                max_limit_exceeded=0,
                max_timeouts=0,
                encryption_enabled=config.encryption,
                store_sync_tokens=False,  # the database keeps the sync token
                request_timeout=30,
            ),
        )

    @property
    def user_id(self) -> str:
        """The bot's Matrix id."""
        return str(self.nio.user_id)

    async def login(self) -> None:
        """Log in by access token or password, reusing the device id (and its crypto store)."""
        if self.config.encryption:
            await asyncio.to_thread(self.config.store_path.mkdir, parents=True, exist_ok=True)
        device_key = self.config.state_key("device")
        device_id = self.config.device_id or await self.state.get(device_key)
        if self.config.access_token:
            if not device_id:
                self.nio.access_token = self.config.access_token
                whoami = await self.call(self.nio.whoami, "whoami")
                assert isinstance(whoami, WhoamiResponse)
                device_id = whoami.device_id
            if not device_id:
                raise MatrixError("login", None, "the access token has no device id")
            self.nio.restore_login(self.config.user_id, device_id, self.config.access_token)
        elif self.config.password:
            password = self.config.password
            self.nio.device_id = device_id or ""
            response = await self.call(
                lambda: self.nio.login(password, device_name=self.config.device_name), "login"
            )
            assert isinstance(response, LoginResponse)
            device_id = response.device_id
        else:
            raise MatrixError("login", None, "no password and no access token configured")
        if device_id and device_id != await self.state.get(device_key):
            await self.state.put(device_key, device_id)
        if self.nio.olm is not None and self.nio.should_upload_keys:
            await self.call(self.nio.keys_upload, "keys_upload")
        log.info("matrix logged in", extra={"device": device_id})

    async def call(
        self, request: Callable[[], Awaitable[R]], what: str, max_wait: float | None = None
    ) -> R:
        """Run a nio request; retry 429s (as told), connection errors and 5xx (backoff)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.config.max_request_wait if max_wait is None else max_wait)
        backoff = Backoff(self.config.backoff_initial, self.config.backoff_max)
        while True:
            try:
                response: Any = await request()
            except TRANSIENT_ERRORS as error:
                wait = backoff.next()
                if loop.time() + wait > deadline:
                    raise MatrixUnavailable(what, None, f"unreachable: {error!r}") from error
                log.warning("matrix %s: homeserver unreachable, retrying in %.1f s", what, wait)
                await asyncio.sleep(wait)
                continue
            if not isinstance(response, ErrorResponse):
                return response  # type: ignore[no-any-return]
            if is_rate_limited(response):
                self.rate_limited += 1
                wait = (response.retry_after_ms or 5000) / 1000
                if loop.time() + wait > deadline:
                    raise MatrixUnavailable(what, response.status_code, "rate limited too long")
                log.info("matrix %s: rate limited, waiting %.1f s as asked", what, wait)
                await asyncio.sleep(wait)
                continue
            if is_server_trouble(response):
                wait = backoff.next()
                if loop.time() + wait > deadline:
                    raise MatrixUnavailable(what, response.status_code, response.message)
                await asyncio.sleep(wait)
                continue
            status = getattr(response.transport_response, "status", None)
            raise MatrixError(what, response.status_code, response.message, status)

    async def maintain_keys(self) -> None:
        """What `sync_forever` does between syncs: upload, query and claim keys, to-device."""
        nio = self.nio
        if nio.olm is None:
            return
        if nio.should_upload_keys:
            await self.call(nio.keys_upload, "keys_upload")
        if nio.should_query_keys:
            await self.call(nio.keys_query, "keys_query")
        if nio.should_claim_keys:
            users = nio.get_users_for_key_claiming()
            await self.call(lambda: nio.keys_claim(users), "keys_claim")
        if nio.outgoing_to_device_messages:
            await nio.send_to_device_messages()

    async def close(self) -> None:
        """Close the HTTP session (and the crypto store)."""
        await self.nio.close()
