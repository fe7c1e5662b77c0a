"""Screens as Telegram messages: escaped HTML, inline keyboards, split texts (pure)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

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
    """A screen ready to send: HTML parts (the keyboard goes with the last) and files."""

    parts: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None
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


def _button(button: Button, bot_username: str, private: bool) -> InlineKeyboardButton | None:
    if button.action is not None:
        if private:
            return InlineKeyboardButton(button.label, callback_data=codec.encode(button.action))
        payload = deeplinks.payload_for(button.action)  # groups: act in the private chat
        if payload is None:
            return None
        return InlineKeyboardButton(button.label, url=deep_link(bot_username, payload))
    if button.url:
        url = button.url
        if url.startswith(DEEP_LINK_PREFIX):
            url = deep_link(bot_username, url.removeprefix(DEEP_LINK_PREFIX))
        return InlineKeyboardButton(button.label, url=url)
    return None


def keyboard(
    screen: Screen, bot_username: str, private: bool = True
) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a screen (rows kept), or None without buttons.

    In group chats, action buttons become deep links into the private chat (see deeplinks).
    """
    rows = []
    for row in screen.buttons:
        cells = [c for c in (_button(b, bot_username, private) for b in row) if c is not None]
        if cells:
            rows.append(cells)
    return InlineKeyboardMarkup(rows) if rows else None


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
    return RenderedScreen(parts, keyboard(screen, bot_username, private), screen.attachments)
