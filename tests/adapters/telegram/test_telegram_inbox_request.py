"""The getUpdates transport against the Bot API emulator: each batch is held in the database
before PTB sees it, and button presses arrive without the button's message body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.core.clock import SystemClock
from bot.platforms.telegram.inbound import slim_update
from bot.platforms.telegram.inbox import InboxRequest, UpdateInbox
from bot.platforms.telegram.transport import AiohttpRequest
from bot.storage.engine import create_engine
from bot.storage.tables import KeyValueRow
from bot.storage.uow import Database
from tests.telegram_emulator import TelegramEmulator

KEYBOARD = {"inline_keyboard": [[{"text": "Oui", "callback_data": "pick:1:1:1"}]]}


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url), SystemClock())
    yield database
    await database.dispose()


@pytest.mark.asyncio
async def test_a_button_press_is_held_and_handed_over_slim(
    telegram_emulator: TelegramEmulator, db: Database
) -> None:
    emulator = telegram_emulator
    sent = await emulator.call(
        "sendMessage", chat_id=42, text="<b>Question</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    emulator.press_button(42, int(sent["message_id"]), "pick:1:1:1")
    emulator.user_message(42, "bonjour")
    inbox = UpdateInbox(db, bot_id=1)
    request = InboxRequest(AiohttpRequest(1), inbox)
    base = emulator.url
    async with Bot(
        emulator.token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        get_updates_request=request,
    ) as bot:
        updates = await bot.get_updates(timeout=0)
    press, text = updates
    assert press.callback_query is not None and press.callback_query.data == "pick:1:1:1"
    message = press.callback_query.message
    assert message is not None and message.message_id == int(sent["message_id"])
    assert message.chat.id == 42 and message.chat.type == "private"
    assert message.reply_markup is None  # the keyboard was left out before PTB parsed it
    assert text.message is not None and text.message.text == "bonjour"  # kept whole
    async with db.uow() as uow:
        values = list(await uow.session.scalars(select(KeyValueRow.value)))
    assert len(values) == 1  # held before PTB could confirm it
    held = json.loads(values[0])["updates"]
    assert [u["update_id"] for u in held] == [u.update_id for u in updates]
    assert "reply_markup" not in held[0]["callback_query"]["message"]
    assert inbox.pending == 2
    assert request._parsed is None  # the parsed batch was handed to PTB, not kept


def test_slim_update_keeps_what_is_read() -> None:
    raw = {
        "update_id": 5,
        "callback_query": {
            "id": "q",
            "data": "x",
            "message": {
                "message_id": 9,
                "date": 1,
                "chat": {"id": 42, "type": "private"},
                "text": "long",
                "entities": [{"type": "bold", "offset": 0, "length": 4}],
                "reply_markup": KEYBOARD,
            },
        },
    }
    slim = slim_update(raw)
    assert slim["callback_query"]["message"] == {
        "message_id": 9,
        "date": 1,
        "chat": {"id": 42, "type": "private"},
    }
    assert slim["callback_query"]["data"] == "x"
    assert raw["callback_query"]["message"]["text"] == "long"  # the input is not changed
    message = {"update_id": 6, "message": {"message_id": 1, "text": "hi"}}
    assert slim_update(message) is message
    inaccessible = {"update_id": 7, "callback_query": {"id": "q", "data": "x"}}
    assert slim_update(inaccessible) is inaccessible
