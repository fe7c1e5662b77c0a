"""PTB over Parvis's aiohttp transport, against the Bot API emulator: calls, file uploads and
downloads, and network failures as PTB's own errors."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.platforms.telegram.transport import AiohttpRequest
from tests.telegram_emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio


def bot_for(base: str, token: str, request: AiohttpRequest) -> Bot:
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)


async def test_calls_uploads_and_downloads(telegram_emulator: TelegramEmulator) -> None:
    emulator = telegram_emulator
    async with bot_for(emulator.url, emulator.token, AiohttpRequest(4)) as bot:
        assert bot.username == "parvis_test_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="a:1")]])
        sent = await bot.send_message(
            42, "<b>Vote</b> &amp; co", parse_mode="HTML", reply_markup=markup
        )
        assert sent.text == "Vote & co" and sent.reply_markup == markup
        content = b"name,college\nAlice,usagers\n"
        document = await bot.send_document(42, InputFile(content, filename="roster.csv"))
        assert document.document is not None and document.document.file_name == "roster.csv"
        file = await bot.get_file(document.document.file_id)
        assert bytes(await file.download_as_bytearray()) == content
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text(
                "<b>Vote</b> &amp; co",
                chat_id=42,
                message_id=sent.message_id,
                parse_mode="HTML",
                reply_markup=markup,
            )


async def test_a_slow_server_is_a_timeout(telegram_emulator: TelegramEmulator) -> None:
    emulator = telegram_emulator
    async with bot_for(emulator.url, emulator.token, AiohttpRequest(2)) as bot:
        emulator.config(latency_ms=800)
        with pytest.raises(TimedOut):
            await bot.send_message(42, "hello", read_timeout=0.2)


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(2, connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()


async def test_requests_before_initialize_are_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")
