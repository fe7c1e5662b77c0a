"""Screens as Telegram messages: escaped HTML, inline keyboards, split texts (pure)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.platforms import actions as codec
from bot.platforms.ports import Attachment, Button, Capabilities, Screen, Tone
from bot.platforms.telegram import deeplinks
from bot.platforms.telegram.splitter import TELEGRAM_MAX_TEXT, split_html, utf16_width

CAPTION_MAX = 1024
CAPABILITIES = Capabilities(
    buttons=True,
    edit_messages=True,
    ephemeral_notice=True,
    native_polls=False,
    reactions_as_input=False,
    max_text=TELEGRAM_MAX_TEXT,
    command_prefix="/",
)
TONE_MARK = {Tone.INFO: "", Tone.SUCCESS: "✅ ", Tone.WARNING: "⚠️ ", Tone.ERROR: "❌ "}
#: A button url of this form opens the private chat with the bot on `/start PAYLOAD`
#: (`https://t.me/<bot>?start=PAYLOAD`): handlers stay unaware of the bot's username.
DEEP_LINK_PREFIX = "?start="


@dataclass(frozen=True, slots=True)
class RenderedScreen:
    """A screen ready to send: HTML parts (the keyboard goes with the last) and files.

    The keyboard is the Bot API's `reply_markup` JSON, encoded once: PTB sends a string
    parameter as it is, where a `InlineKeyboardMarkup` would be rebuilt into dictionaries
    and encoded on every request."""

    parts: tuple[str, ...]
    keyboard: str | None
    attachments: tuple[Attachment, ...]


def escape(text: str) -> str:
    """Escape plain text for Telegram's HTML parse mode (`<`, `>`, `&`)."""
    return html.escape(text, quote=False)


def screen_html(screen: Screen) -> str:
    """The screen's text as Telegram HTML: a bold title line (with the tone's mark), the body."""
    mark = TONE_MARK[screen.tone]
    body = escape(screen.text.strip("\n"))
    if screen.title:
        title = f"<b>{escape(mark + screen.title)}</b>"
        return f"{title}\n{body}" if body else title
    return escape(mark) + body if body else ""


def deep_link(bot_username: str, payload: str) -> str:
    """`https://t.me/<bot>?start=<payload>`."""
    return f"https://t.me/{bot_username}?start={payload}"


def _button(button: Button, bot_username: str, private: bool) -> dict[str, str] | None:
    """One InlineKeyboardButton as the Bot API's JSON object."""
    if button.action is not None:
        if private:
            return {"text": button.label, "callback_data": codec.encode(button.action)}
        payload = deeplinks.payload_for(button.action)  # groups: act in the private chat
        if payload is None:
            return None
        return {"text": button.label, "url": deep_link(bot_username, payload)}
    if button.url:
        url = button.url
        if url.startswith(DEEP_LINK_PREFIX):
            url = deep_link(bot_username, url.removeprefix(DEEP_LINK_PREFIX))
        return {"text": button.label, "url": url}
    return None


def keyboard_markup(
    screen: Screen, bot_username: str, private: bool = True
) -> dict[str, Any] | None:
    """The inline keyboard of a screen as the Bot API's `InlineKeyboardMarkup` object (rows
    kept), or None without buttons.

    In group chats, action buttons become deep links into the private chat (see deeplinks).
    """
    rows = []
    for row in screen.buttons:
        cells = [c for c in (_button(b, bot_username, private) for b in row) if c is not None]
        if cells:
            rows.append(cells)
    return {"inline_keyboard": rows} if rows else None


def keyboard(
    screen: Screen, bot_username: str, private: bool = True
) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a screen as PTB's object, or None without buttons."""
    markup = keyboard_markup(screen, bot_username, private)
    return None if markup is None else InlineKeyboardMarkup.de_json(markup)


def as_markup(keyboard_json: str) -> InlineKeyboardMarkup:
    """A rendered keyboard as PTB's object (for PTB's typed methods)."""
    return InlineKeyboardMarkup.de_json(json.loads(keyboard_json))


def caption_html(attachment: Attachment) -> str | None:
    """An attachment's caption, escaped and cut to Telegram's caption limit."""
    text = attachment.caption.strip()
    if not text:
        return None
    if utf16_width(text) > CAPTION_MAX:
        text = text[: CAPTION_MAX - 1]
        while utf16_width(text) > CAPTION_MAX - 1:
            text = text[:-1]
        text += "…"
    return escape(text)


def render(
    screen: Screen, bot_username: str, *, private: bool = True, limit: int = TELEGRAM_MAX_TEXT
) -> RenderedScreen:
    """Everything needed to show a screen on Telegram (in a private chat or a group)."""
    text = screen_html(screen)
    parts = tuple(split_html(text, limit)) if text else ()
    markup = keyboard_markup(screen, bot_username, private)
    keyboard_json = None if markup is None else json.dumps(markup, ensure_ascii=False)
    return RenderedScreen(parts, keyboard_json, screen.attachments)
