"""A real PTB 22 Application (long polling over HTTP) against the emulator."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import AIORateLimiter

from tests.telegram_emulator import TelegramEmulator

from .bot_under_test import App, png_bytes
from .conftest import AppFactory

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER = 4242


async def test_start_round_trip_with_keyboard(emu: TelegramEmulator, app: App) -> None:
    emu.user_message(USER, "/start", first_name="Alice")
    [reply] = await emu.wait_sent(USER, 1, timeout=3)
    assert reply.text == "Welcome Alice"
    assert reply.json["entities"] == [{"type": "bold", "offset": 8, "length": 5}]
    assert reply.callback_data == ["vote:yes", "vote:no"]
    assert reply.buttons[2] == {"text": "Charter", "url": "https://example.org/charter"}
    assert reply.json["from"]["is_bot"] is True
    assert reply.json["from"]["username"] == "parvis_emu_bot"


async def test_deep_link_code_reaches_the_handler(emu: TelegramEmulator, app: App) -> None:
    emu.user_message(USER, "/start INVITE-42")
    [reply] = await emu.wait_sent(USER, 1, timeout=3)
    assert reply.text == f"Welcome User{USER} (code INVITE-42)"


async def test_button_press_answers_and_edits(emu: TelegramEmulator, app: App) -> None:
    emu.user_message(USER, "/start")
    [menu] = await emu.wait_sent(USER, 1, timeout=3)
    emu.press_button(USER, menu.message_id, "vote:no")
    await emu.wait_for(lambda: menu.edited and emu.callback_answers, timeout=3)
    [answer] = emu.callback_answers
    assert (answer.text, answer.data, answer.user_id) == ("Recorded vote:no", "vote:no", USER)
    assert menu.text == "You voted no"
    assert menu.reply_markup is None  # edit without reply_markup removes the keyboard
    assert menu.edits[0].text == "Welcome User4242"
    assert len(emu.sent_to(USER)) == 1


async def test_user_document_is_downloaded_through_get_file(
    emu: TelegramEmulator, app: App
) -> None:
    content = b"member;share\nalice;1\nbob;2\n" * 100
    emu.send_document(USER, "members.csv", content, caption="import")
    [reply] = await emu.wait_sent(USER, 1, timeout=3)
    digest = hashlib.sha256(content).hexdigest()[:16]
    assert reply.text == f"members.csv: {len(content)} bytes, {digest}"
    assert emu.stats().calls["getFile"] == 1


async def test_send_photo_keeps_bytes_and_size(emu: TelegramEmulator, app: App) -> None:
    emu.user_message(USER, "/photo")
    [sent] = await emu.wait_sent(USER, 1, timeout=3)
    assert sent.kind == "photo" and sent.text == "chart"
    assert sent.photo == png_bytes(64, 32)
    size = sent.json["photo"][-1]
    assert (size["width"], size["height"], size["file_size"]) == (64, 32, len(sent.photo))
    file = await app.bot.get_file(size["file_id"])
    assert bytes(await file.download_as_bytearray()) == sent.photo


async def test_set_my_commands_per_scope_and_language(emu: TelegramEmulator, app: App) -> None:
    bot = app.bot
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("vote", "Vote")])
    await bot.set_my_commands(
        [BotCommand("aide", "Aide")], scope=BotCommandScopeAllPrivateChats(), language_code="fr"
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(-100))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "vote"]
    fr = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert [(c.command, c.description) for c in fr] == [("aide", "Aide")]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert emu.commands({"type": "chat", "chat_id": -100}) == [
        {"command": "admin", "description": "Admin"}
    ]
    assert emu.commands("all_private_chats", "fr")[0]["command"] == "aide"
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert emu.commands("all_private_chats", "fr") == []
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_flood_limit_raises_retry_after(emu: TelegramEmulator, app: App) -> None:
    emu.config(private_burst=1)
    await app.bot.send_message(USER, "first")
    with pytest.raises(RetryAfter, match="Retry in 1 seconds"):
        await app.bot.send_message(USER, "second")
    assert [m.text for m in emu.sent_to(USER)] == ["first"]
    assert emu.stats().too_many_requests == 1


async def test_aio_rate_limiter_retries_until_delivered(
    emu: TelegramEmulator, app_factory: AppFactory
) -> None:
    emu.config(private_burst=1)
    app = await app_factory(polling=False, rate_limiter=AIORateLimiter(max_retries=3))
    started = time.monotonic()
    await asyncio.gather(app.bot.send_message(USER, "a"), app.bot.send_message(USER, "b"))
    assert sorted(m.text or "" for m in emu.sent_to(USER)) == ["a", "b"]
    assert emu.stats().too_many_requests == 1
    assert time.monotonic() - started >= 1.0  # waited for retry_after


async def test_blocked_user_gives_forbidden(emu: TelegramEmulator, app: App) -> None:
    emu.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(USER, "hello")
    emu.unblock(USER)
    await app.bot.send_message(USER, "hello again")
    assert [m.text for m in emu.sent_to(USER)] == ["hello again"]
    assert emu.stats().forbidden == 1


async def test_message_not_modified(emu: TelegramEmulator, app: App) -> None:
    message = await app.bot.send_message(USER, "<i>same</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await message.edit_text("<i>same</i>", parse_mode="HTML")
    edited = await message.edit_text("same")  # entities differ: this is a modification
    assert edited is not True and edited.text == "same" and edited.entities == ()


async def test_validation_errors(emu: TelegramEmulator, app: App) -> None:
    bot = app.bot
    long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER, "keyboard", reply_markup=long_data)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "<b>unclosed", parse_mode="HTML")
    ok = await bot.send_message(USER, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    assert len(ok.text or "") == 4096
    assert [len(m.text or "") for m in emu.sent_to(USER)] == [4096]


async def test_long_polling_returns_promptly(emu: TelegramEmulator, app: App) -> None:
    await asyncio.sleep(0.2)  # the updater is now parked in a 10 s long poll
    started = time.monotonic()
    emu.user_message(USER, "/start")
    await emu.wait_sent(USER, 1, timeout=3)
    assert time.monotonic() - started < 1.0  # PTB polls with a 10 s timeout


async def test_offsets_confirm_updates(emu: TelegramEmulator, app: App) -> None:
    for i in range(5):
        emu.user_message(USER + i, "/start")
    for i in range(5):
        await emu.wait_sent(USER + i, 1, timeout=3)
    await emu.wait_delivered(timeout=3)
    stats = emu.stats()
    assert stats.updates_delivered == 5 and stats.redeliveries == 0
    assert emu.pending_updates == []
