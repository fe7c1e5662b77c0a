"""Webhook mode: Telegram pushes updates with the secret token header; others are refused."""

from __future__ import annotations

import socket

import aiohttp
from pydantic import SecretStr

from tests.e2e.telegram.conftest import StartBot

SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_delivers_updates_and_refuses_a_wrong_secret(start_bot: StartBot) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    bot = await start_bot(
        mode="webhook",
        webhook_url=url,
        webhook_secret=SecretStr(SECRET),
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    assert bot.emu.state.webhook is not None and bot.emu.state.webhook.secret_token == SECRET
    alice = await bot.admin(1001, "Alice", "en")
    assert "Alice" in await alice.say("/whoami")  # pushed by the emulator, secret checked

    forged = {
        "update_id": 99_999,
        "message": {
            "message_id": 1,
            "date": 1,
            "text": "/college add evil Evil | Evil",
            "chat": {"id": 1001, "type": "private", "first_name": "Alice"},
            "from": {"id": 1001, "is_bot": False, "first_name": "Alice"},
        },
    }
    before = await bot.snapshot()
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
    assert bot.adapter.webhook is not None and bot.adapter.webhook.rejected == 2
    assert 99_999 not in bot.processed.ids
    assert await bot.snapshot() == before
