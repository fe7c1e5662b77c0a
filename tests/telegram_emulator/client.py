"""Async client of the ``/_emu`` HTTP test API, for an emulator running in another process."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp


class EmulatorClientError(AssertionError):
    """The emulator refused a test action (status 400/404/408)."""


class EmulatorClient:
    """Thin wrapper over ``/_emu/<action>``; results are the JSON ``result`` values.

    Example::

        async with EmulatorClient("http://127.0.0.1:8081") as emu:
            await emu.user_message(42, "/start")
            messages = await emu.sent(42, n=1)
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = aiohttp.ClientSession(trust_env=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def action(self, name: str, **params: Any) -> Any:
        """POST ``params`` as JSON to ``/_emu/<name>``; raise on ``ok: false``."""
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        if self.token:
            params.setdefault("token", self.token)
        async with self._session.post(f"{self.url}/_emu/{name}", json=params) as response:
            body = await response.json()
        if not body.get("ok"):
            raise EmulatorClientError(f"{name}: {body.get('description')}")
        return body["result"]

    async def user_message(self, user_id: int, text: str, **kwargs: Any) -> Any:
        """See ``BotDriver.user_message``."""
        return await self.action("user_message", user_id=user_id, text=text, **kwargs)

    async def press_button(
        self, user_id: int, message_id: int, callback_data: str, **kwargs: Any
    ) -> Any:
        """See ``BotDriver.press_button``."""
        return await self.action(
            "press_button",
            user_id=user_id,
            message_id=message_id,
            callback_data=callback_data,
            **kwargs,
        )

    async def send_document(self, user_id: int, filename: str, data: bytes, **kwargs: Any) -> Any:
        """See ``BotDriver.send_document``."""
        return await self.action(
            "send_document",
            user_id=user_id,
            filename=filename,
            data_b64=base64.b64encode(data).decode(),
            **kwargs,
        )

    async def sent(
        self,
        chat_id: int,
        n: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        include_bytes: bool = False,
    ) -> list[dict[str, Any]]:
        """Messages the bot sent to ``chat_id``; with ``n``, wait for at least ``n``."""
        params: dict[str, Any] = {"chat_id": chat_id, "include_bytes": include_bytes}
        if n is not None:
            params.update(n=n, timeout=timeout)
        result: list[dict[str, Any]] = await self.action("sent", **params)
        return result

    async def config(self, **changes: Any) -> dict[str, Any]:
        """Change and return the emulator configuration."""
        result: dict[str, Any] = await self.action("config", **changes)
        return result

    async def stats(self) -> dict[str, Any]:
        """Counters (see ``BotDriver.stats``)."""
        result: dict[str, Any] = await self.action("stats")
        return result

    async def reset(self) -> None:
        """Forget all state."""
        await self.action("reset")
