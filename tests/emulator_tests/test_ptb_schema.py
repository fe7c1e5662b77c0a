"""Guard: every object the emulator emits parses with PTB's own classes, losslessly.

PTB 22.8 enforces some fields at runtime (``Poll.allows_revoting``, ``members_only``,
``PollOption.persistent_id``, ``PollAnswer.option_persistent_ids``...). When an update misses
one, PTB drops the *whole* getUpdates batch on every poll. These tests parse every update
type and every method result with ``Update.de_json``/``Message.de_json`` and a real ``Bot``,
check that nothing lands in ``api_kwargs`` (unknown or misspelt fields) and that ``to_dict()``
gives the emitted JSON back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import (
    Bot,
    BotCommand,
    File,
    MenuButton,
    Message,
    Poll,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)

from tests.telegram_emulator import TelegramEmulator
from tests.telegram_emulator.ptb import make_bot

from .bot_under_test import png_bytes

PINNED_PTB = "22.8"
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "A", "callback_data": "a"}],
        [{"text": "Site", "url": "https://example.org"}],
    ]
}


def test_ptb_version_is_pinned() -> None:
    assert telegram.__version__ == PINNED_PTB, (
        "PTB changed: re-check which fields it now requires, then update PINNED_PTB"
    )


def unknown_fields(obj: Any, path: str = "") -> list[str]:
    """Paths of every non-empty ``api_kwargs`` in a parsed object tree."""
    found: list[str] = []
    if isinstance(obj, TelegramObject):
        if obj.api_kwargs:
            found.append(f"{path or type(obj).__name__}: {dict(obj.api_kwargs)}")
        attrs = obj._get_attrs(recursive=False, include_private=False)
        for name, value in attrs.items():
            if name != "api_kwargs":
                found += unknown_fields(value, f"{path}.{name}")
    elif isinstance(obj, tuple | list):
        for i, value in enumerate(obj):
            found += unknown_fields(value, f"{path}[{i}]")
    return found


def differences(emitted: Any, parsed: Any, path: str = "") -> list[str]:
    """Where PTB's ``to_dict()`` disagrees with the emitted JSON (PTB may add falsy defaults
    such as ``Message.delete_chat_photo=False``)."""
    if isinstance(emitted, dict) and isinstance(parsed, dict):
        found = [
            f"{path}.{k}: extra {v!r}"
            for k, v in parsed.items()
            if k not in emitted and v not in (False, None, [], {})
        ]
        for key, value in emitted.items():
            if key not in parsed:
                found.append(f"{path}.{key}: dropped")
            else:
                found += differences(value, parsed[key], f"{path}.{key}")
        return found
    if isinstance(emitted, list) and isinstance(parsed, list) and len(emitted) == len(parsed):
        return [
            d
            for i, (e, p) in enumerate(zip(emitted, parsed, strict=True))
            for d in differences(e, p, f"{path}[{i}]")
        ]
    return [] if emitted == parsed else [f"{path}: {emitted!r} became {parsed!r}"]


def assert_lossless(cls: type[TelegramObject], data: dict[str, Any], bot: Bot) -> Any:
    parsed = cls.de_json(data, bot)
    assert parsed is not None
    assert unknown_fields(parsed) == []
    assert differences(data, parsed.to_dict()) == []
    return parsed


class Raw:
    """Minimal raw-JSON Bot API client (to see exactly what goes over the wire)."""

    def __init__(self, session: aiohttp.ClientSession, emu: TelegramEmulator) -> None:
        self.session = session
        self.url = f"{emu.base_url}{emu.token}"

    async def __call__(self, method: str, **params: Any) -> Any:
        async with self.session.post(f"{self.url}/{method}", json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]


@pytest.fixture
async def raw(emu: TelegramEmulator) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(session, emu)


@pytest.fixture
def bot(emu: TelegramEmulator) -> Bot:
    return make_bot(emu)


async def test_every_update_type_parses(emu: TelegramEmulator, raw: Raw, bot: Bot) -> None:
    emu.config(flood=False)
    emu.user_message(
        7, "/start@parvis_emu_bot CODE", first_name="Zoé", username="zoe", language_code="fr"
    )
    menu = await raw("sendMessage", chat_id=7, text="menu", reply_markup=KEYBOARD)
    emu.user_message(7, "reply", reply_to=menu["message_id"])
    emu.user_message(8, "/vote", chat_id=-100123, chat_type="supergroup", chat_title="Coop")
    emu.send_document(7, "statuts.pdf", b"%PDF-1.4 fake", caption="statuts")
    emu.press_button(7, menu["message_id"], "a")
    public = await raw(
        "sendPoll", chat_id=7, question="Q?", options=["x", "y"], is_anonymous=False
    )
    anonymous = await raw(
        "sendPoll",
        chat_id=7,
        question="Q2?",
        options=[{"text": "x"}, {"text": "y"}],
        allows_multiple_answers=True,
    )
    emu.answer_poll(7, public["message_id"], [1])
    emu.answer_poll(7, anonymous["message_id"], [0, 1])
    emu.block(9)
    emu.unblock(9)
    updates = await raw("getUpdates", timeout=0)
    kinds = [next(k for k in u if k != "update_id") for u in updates]
    assert kinds == ["message"] * 4 + [
        "callback_query",
        "poll_answer",
        "poll",
        "my_chat_member",
        "my_chat_member",
    ]
    parsed = [assert_lossless(Update, u, bot) for u in updates]
    assert parsed[0].message.text == "/start@parvis_emu_bot CODE"
    assert parsed[0].message.entities[0].length == len("/start@parvis_emu_bot")
    assert parsed[1].message.reply_to_message.message_id == menu["message_id"]
    assert parsed[2].effective_chat.type == "supergroup"
    assert parsed[3].message.document.file_name == "statuts.pdf"
    assert parsed[4].callback_query.chat_instance
    assert parsed[4].callback_query.message.reply_markup.inline_keyboard[0][0].text == "A"
    assert parsed[5].poll_answer.option_persistent_ids == (f"{public['poll']['id']}-1",)
    assert parsed[6].poll.total_voter_count == 1
    assert parsed[7].my_chat_member.new_chat_member.status == "kicked"
    assert parsed[8].my_chat_member.new_chat_member.status == "member"


async def test_every_method_result_parses(emu: TelegramEmulator, raw: Raw, bot: Bot) -> None:
    emu.config(flood=False)
    emu.user_message(7, "hi")
    text = await raw(
        "sendMessage",
        chat_id=7,
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        text='<b>b</b> <a href="https://x.org">l</a> <pre><code class="'
        'language-py">x</code></pre> <tg-spoiler>s</tg-spoiler> é',
        reply_parameters={"message_id": 1},
    )
    results: list[dict[str, Any]] = [text]
    results.append(
        await raw(
            "editMessageText",
            chat_id=7,
            message_id=text["message_id"],
            text="edited",
            reply_markup=KEYBOARD,
        )
    )
    results.append(await raw("editMessageReplyMarkup", chat_id=7, message_id=text["message_id"]))
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData()
        form.add_field("chat_id", "7")
        form.add_field("caption", "<i>c</i>")
        form.add_field("parse_mode", "HTML")
        form.add_field("photo", png_bytes(3, 2), filename="p.png", content_type="image/png")
        async with session.post(f"{emu.base_url}{emu.token}/sendPhoto", data=form) as resp:
            photo = (await resp.json())["result"]
    results.append(photo)
    results.append(
        await raw("editMessageCaption", chat_id=7, message_id=photo["message_id"], caption="new")
    )
    results.append(await raw("sendDocument", chat_id=7, document=photo["photo"][0]["file_id"]))
    results.append(
        await raw(
            "sendPoll",
            chat_id=7,
            question="Quiz",
            options=["a", "b"],
            type="quiz",
            correct_option_id=1,
            open_period=60,
        )
    )
    for result in results:
        assert_lossless(Message, result, bot)
    poll = await raw("stopPoll", chat_id=7, message_id=results[-1]["message_id"])
    assert assert_lossless(Poll, poll, bot).is_closed
    assert assert_lossless(User, await raw("getMe"), bot).is_bot
    file = await raw("getFile", file_id=photo["photo"][0]["file_id"])
    assert assert_lossless(File, file, bot).file_size == len(png_bytes(3, 2))
    await raw("setWebhook", url="http://127.0.0.1:9/hook", allowed_updates=["message"])
    await emu.wait_for(lambda: emu.state.webhook and emu.state.webhook.last_error_date, 5)
    info = assert_lossless(WebhookInfo, await raw("getWebhookInfo"), bot)
    assert info.last_error_message and info.pending_update_count == 1
    await raw("setMyCommands", commands=[{"command": "start", "description": "Go"}])
    [command] = await raw("getMyCommands")
    assert_lossless(BotCommand, command, bot)
    await raw("setChatMenuButton", chat_id=7, menu_button={"type": "commands"})
    button = assert_lossless(MenuButton, await raw("getChatMenuButton", chat_id=7), bot)
    assert button.type == "commands"
