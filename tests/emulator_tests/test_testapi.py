"""The test-side API, in-process and over HTTP (``/_emu``)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.telegram_emulator import ApiError, EmulatorError, EmulatorTimeout, TelegramEmulator
from tests.telegram_emulator.client import EmulatorClient, EmulatorClientError
from tests.telegram_emulator.ptb import application_builder
from tests.telegram_emulator.pytest_plugin import telegram_emulator  # noqa: F401

KEYBOARD = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}


async def test_message_ids_are_per_chat_and_dates_in_seconds(emu: TelegramEmulator) -> None:
    emu.user_message(1, "hello")
    first = await emu.call("sendMessage", chat_id=1, text="one")
    other = await emu.call("sendMessage", chat_id=2, text="other")
    second = await emu.call("sendMessage", chat_id=1, text="two")
    assert (first["message_id"], second["message_id"], other["message_id"]) == (2, 3, 1)
    assert abs(first["date"] - time.time()) < 5
    assert [m.message_id for m in emu.sent_to(1)] == [2, 3]  # the user's message is not "sent"


async def test_press_button_requires_an_existing_button(emu: TelegramEmulator) -> None:
    sent = await emu.call("sendMessage", chat_id=1, text="menu", reply_markup=KEYBOARD)
    user = emu.user_message(1, "text")
    with pytest.raises(EmulatorError, match=r"has no button with callback_data 'b'.*\['a'\]"):
        emu.press_button(1, sent["message_id"], "b")
    with pytest.raises(EmulatorError, match="the bot has no message"):
        emu.press_button(1, user["message"]["message_id"], "a")
    update = emu.press_button(1, sent["message_id"], "a")
    query = update["callback_query"]
    assert query["from"]["is_bot"] is False and query["message"]["text"] == "menu"
    assert await emu.call("answerCallbackQuery", callback_query_id=query["id"], text="ok")
    with pytest.raises(ApiError, match="query is too old"):
        await emu.call("answerCallbackQuery", callback_query_id=query["id"])
    with pytest.raises(ApiError, match="query is too old"):
        await emu.call("answerCallbackQuery", callback_query_id="nope")
    second = emu.press_button(1, sent["message_id"], "a")["callback_query"]["id"]
    with pytest.raises(ApiError, match="MESSAGE_TOO_LONG"):
        await emu.call("answerCallbackQuery", callback_query_id=second, text="x" * 201)
    assert [a.text for a in emu.callback_answers] == ["ok"]
    await emu.call("deleteMessage", chat_id=1, message_id=sent["message_id"])
    with pytest.raises(EmulatorError):
        emu.press_button(1, sent["message_id"], "a")
    assert emu.sent_to(1)[0].deleted
    with pytest.raises(ApiError, match="message to delete not found"):
        await emu.call("deleteMessage", chat_id=1, message_id=sent["message_id"])


async def test_wait_helpers_are_event_based(emu: TelegramEmulator) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await emu.call("sendMessage", chat_id=3, text="late")

    task = asyncio.create_task(later())
    started = time.monotonic()
    [message] = await emu.wait_sent(3, 1, timeout=2)
    assert message.text == "late" and time.monotonic() - started < 1.0
    await task
    with pytest.raises(EmulatorTimeout, match=r"expected 2 message\(s\) .* got 1: \['late'\]"):
        await emu.wait_sent(3, 2, timeout=0.05)
    with pytest.raises(EmulatorTimeout):
        await emu.wait_for(lambda: emu.callback_answers, timeout=0.05)


async def test_groups_strict_chats_actions_and_latency(emu: TelegramEmulator) -> None:
    update = emu.user_message(5, "/vote@parvis_emu_bot", chat_id=-1001, chat_type="supergroup")
    assert update["message"]["chat"] == {"id": -1001, "type": "supergroup", "title": "Group -1001"}
    with pytest.raises(EmulatorError):
        emu.user_message(5, "x", chat_id=7)
    sent = await emu.call("sendMessage", chat_id="-1001", text="ok")
    assert sent["chat"]["type"] == "supergroup" and sent["message_id"] == 2
    emu.config(strict_chats=True)
    with pytest.raises(ApiError, match="chat not found"):
        await emu.call("sendMessage", chat_id=999, text="who?")
    assert await emu.call("sendChatAction", chat_id=-1001, action="typing")
    with pytest.raises(ApiError, match="wrong parameter action"):
        await emu.call("sendChatAction", chat_id=-1001, action="dancing")
    assert emu.chat_actions == [(-1001, "typing")]
    emu.config(latency_ms=80)
    started = time.monotonic()
    await emu.call("getMe")
    assert time.monotonic() - started >= 0.08
    with pytest.raises(EmulatorError, match="unknown config keys"):
        emu.config(latency=1)


async def test_reset_forgets_everything(emu: TelegramEmulator) -> None:
    emu.config(private_burst=1, latency_ms=5)
    emu.user_message(1, "x")
    emu.block(2)
    await emu.call("sendMessage", chat_id=1, text="y")
    emu.reset()
    assert emu.sent_to(1) == [] and emu.pending_updates == [] and emu.stats().sends == 0
    assert emu.state.config.private_burst == 3 and emu.state.config.latency_ms == 0
    assert (await emu.call("sendMessage", chat_id=2, text="unblocked"))["message_id"] == 1


async def test_http_test_api_with_client(emu: TelegramEmulator) -> None:
    other = emu.add_bot("555:OTHER", "other_bot")
    async with EmulatorClient(emu.url) as client:
        update = await client.user_message(1, "/start", first_name="Ann")
        assert update["message"]["from"]["first_name"] == "Ann"
        waiter = asyncio.create_task(client.sent(1, n=1, timeout=2))
        await asyncio.sleep(0.05)
        await emu.call(
            "sendDocument",
            chat_id=1,
            document=emu.send_document(1, "a.txt", b"abc")["message"]["document"]["file_id"],
        )
        [sent] = await waiter
        assert sent["kind"] == "document" and sent["file_size"] == 3
        [with_bytes] = await client.sent(1, include_bytes=True)
        assert with_bytes["file_b64"] == "YWJj"
        with pytest.raises(EmulatorClientError, match="no button"):
            await client.press_button(1, sent["message_id"], "zzz")
        with pytest.raises(EmulatorClientError, match="expected 5"):
            await client.sent(1, n=5, timeout=0.05)
        assert (await client.config(latency_ms=1))["latency_ms"] == 1
        stats = await client.stats()
        assert stats["calls"] == {"sendDocument": 1} and stats["messages_per_chat"] == {"1": 1}
        await client.action("user_message", token="555:OTHER", user_id=9, text="hi")
        assert other.pending_updates[0]["message"]["text"] == "hi"
        await client.reset()
        assert emu.sent_to(1) == []


async def test_reusable_fixture_and_builder(telegram_emulator: TelegramEmulator) -> None:  # noqa: F811
    app = application_builder(telegram_emulator).build()
    async with app:
        assert app.bot.username == "parvis_test_bot"
        assert (await app.bot.send_message(1, "x")).chat.id == 1
