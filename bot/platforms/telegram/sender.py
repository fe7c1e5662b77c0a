"""Sending and editing rendered screens, with Telegram's errors mapped to behaviour.

429 → wait retry_after and send again (after the rate limiter's own retries); 403 → the
person is unreachable (reported once through `on_blocked`), nothing else stops; 400
"message is not modified" → nothing to do; an edit that cannot be made → a new message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.platforms.ports import Attachment, ChatRef, MessageRef, Screen
from bot.platforms.telegram import ids
from bot.platforms.telegram.outbound import RenderedScreen, as_markup, caption_html, render
from bot.platforms.telegram.pacing import ChatPacer, retry_seconds

log = logging.getLogger(__name__)

EXTRA_FLOOD_RETRIES = 5
NO_PREVIEW = '{"is_disabled":true}'  # LinkPreviewOptions, as the Bot API's JSON
T = TypeVar("T")
OnBlocked = Callable[[int], Awaitable[None]]


class RecipientBlocked(Exception):
    """The person blocked the bot (403); already reported."""


class Sender:
    """Delivers screens to Telegram chats; bulk sends are paced per chat."""

    def __init__(self, bot: Bot, pacer: ChatPacer, on_blocked: OnBlocked) -> None:
        self.bot = bot
        self.pacer = pacer
        self.on_blocked = on_blocked

    @property
    def username(self) -> str:
        """The bot's username (known after initialisation)."""
        return self.bot.username

    async def send(
        self, chat: ChatRef, screen: Screen, *, bulk: bool, quiet: bool = True
    ) -> MessageRef | None:
        """Post a screen; returns the last message posted (None if empty, or if the person
        blocked the bot and `quiet`; otherwise RecipientBlocked is raised)."""
        try:
            return await self._post(
                chat, render(screen, self.username, private=chat.is_direct), bulk=bulk
            )
        except RecipientBlocked:
            if quiet:
                return None
            raise

    async def edit(
        self, ref: MessageRef, screen: Screen, *, bulk: bool, quiet: bool = True
    ) -> MessageRef | None:
        """Replace a posted screen; long screens continue in new messages."""
        rendered = render(screen, self.username, private=ref.chat.is_direct)
        if not rendered.parts:
            return await self.send(ref.chat, screen, bulk=bulk, quiet=quiet)
        single = len(rendered.parts) == 1 and not rendered.attachments
        markup = rendered.keyboard if single else None
        try:
            edited = await self._edit_text(ref, rendered.parts[0], markup, bulk=bulk)
            if not edited:
                return await self._post(ref.chat, rendered, bulk=bulk)
            if single:
                return ref
            rest = RenderedScreen(rendered.parts[1:], rendered.keyboard, rendered.attachments)
            return await self._post(ref.chat, rest, bulk=bulk) or ref
        except RecipientBlocked:
            if quiet:
                return None
            raise

    async def _edit_text(
        self, ref: MessageRef, text: str, markup: str | None, *, bulk: bool
    ) -> bool:
        """True if the message now shows `text` (also when it already did)."""
        chat_id = ids.chat_id(ref.chat)
        try:
            await self._call(
                chat_id,
                bulk,
                lambda: self._edit_message_text(chat_id, int(ref.message_key), text, markup),
                sends=False,  # edits are not new messages for the per-chat limit
            )
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return True
            log.info("edit impossible, sending a new message instead: %s", error.message)
            return False
        return True

    async def _edit_message_text(
        self, chat_id: int, message_id: int, text: str, markup: str | None
    ) -> object:
        """editMessageText, without turning Telegram's answer into a `Message`.

        `Bot.edit_message_text` builds a full `Message` from the answer (measured: about a
        fifth of the CPU a vote costs the bot), which Parvis never reads. PTB's `_post` is the
        same request without that step: same defaults, same rate limiter, same errors
        (BadRequest "message is not modified", RetryAfter, Forbidden). It is PTB's internal
        method (stable from v20 to v22; the dependency is pinned below 23, and the Telegram
        end-to-end tests go through it). The keyboard and the preview options go as JSON
        strings, which PTB sends as they are.
        """
        data = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup,
            "link_preview_options": NO_PREVIEW,
        }
        return await self.bot._post("editMessageText", data)

    async def _post(
        self, chat: ChatRef, rendered: RenderedScreen, *, bulk: bool
    ) -> MessageRef | None:
        chat_id = ids.chat_id(chat)
        last: int | None = None
        parts = rendered.parts
        for number, part in enumerate(parts):
            markup = rendered.keyboard if number == len(parts) - 1 else None
            last = await self._call(chat_id, bulk, partial(self._send_text, chat_id, part, markup))
        for number, attachment in enumerate(rendered.attachments):
            is_last = number == len(rendered.attachments) - 1
            markup = rendered.keyboard if not parts and is_last else None
            sent = await self._send_file(chat_id, attachment, markup, bulk=bulk)
            last = sent.message_id
        if last is None:
            return None
        return MessageRef(chat, str(last))

    async def _send_text(self, chat_id: int, text: str, markup: str | None) -> int:
        """sendMessage; the new message's id (PTB's `_post`: see `_edit_message_text`)."""
        data = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": markup,
            "link_preview_options": NO_PREVIEW,
        }
        sent = await self.bot._post("sendMessage", data)
        message_id = sent.get("message_id") if isinstance(sent, dict) else None
        if not isinstance(message_id, int):
            raise TelegramError(f"sendMessage answered without a message id: {sent!r}")
        return message_id

    async def _send_file(
        self,
        chat_id: int,
        attachment: Attachment,
        keyboard: str | None,
        *,
        bulk: bool,
    ) -> Message:
        caption = caption_html(attachment)
        markup = None if keyboard is None else as_markup(keyboard)

        def upload() -> InputFile:
            return InputFile(attachment.content, filename=attachment.filename)

        if attachment.is_image:
            return await self._call(
                chat_id,
                bulk,
                lambda: self.bot.send_photo(
                    chat_id,
                    upload(),
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                ),
            )
        return await self._call(
            chat_id,
            bulk,
            lambda: self.bot.send_document(
                chat_id,
                upload(),
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            ),
        )

    async def _call(
        self, chat_id: int, bulk: bool, request: Callable[[], Awaitable[T]], *, sends: bool = True
    ) -> T:
        """Run one Bot API request for a chat: pacing (new messages only), 429 and 403."""
        if not sends:
            return await self._attempts(chat_id, request)
        async with self.pacer.slot(chat_id, bulk=bulk):
            return await self._attempts(chat_id, request)

    async def _attempts(self, chat_id: int, request: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(EXTRA_FLOOD_RETRIES + 1):
            try:
                return await request()
            except RetryAfter as error:
                if attempt == EXTRA_FLOOD_RETRIES:
                    raise
                log.warning("flood limit: retrying in %.1f s", retry_seconds(error))
                await asyncio.sleep(retry_seconds(error) + 0.1)
            except Forbidden as error:
                log.info("chat %s is unreachable: %s", chat_id, error.message)
                await self.on_blocked(chat_id)
                raise RecipientBlocked(chat_id) from error
            except TimedOut:
                log.warning("Telegram did not answer in time (chat %s); not resent", chat_id)
                raise
        raise AssertionError("unreachable")
