"""The `Messenger` port on Telegram, for messages nobody asked for just now (fan-out,
reminders, results): every send is bulk, i.e. paced per chat and overall.

Errors follow the port: a person who blocked the bot (or a chat that is gone) raises
`RecipientUnreachable`; Telegram still asking to wait after the adapter's own retries, or
not answering, raises `PlatformUnavailable` (with retry_after when known).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.platforms.ports import (
    ChatRef,
    MessageRef,
    PlatformUnavailable,
    RecipientUnreachable,
    Screen,
)
from bot.platforms.telegram.ids import PLATFORM, private_chat
from bot.platforms.telegram.outbound import CAPABILITIES
from bot.platforms.telegram.pacing import retry_seconds
from bot.platforms.telegram.sender import RecipientBlocked, Sender

GONE = ("chat not found", "user not found", "bot was kicked", "chat_write_forbidden")


class Undeliverable(RecipientUnreachable):
    """The message could not be delivered (the person blocked the bot, the chat is gone)."""


class TelegramMessenger:
    """Send, edit and send privately by identity key."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen in a chat (paced)."""
        async with _port_errors(chat):
            ref = await self.sender.send(chat, screen, bulk=True, quiet=False)
        if ref is None:
            raise ValueError("nothing to send: the screen is empty")
        return ref

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen (a new message if it can no longer be edited)."""
        async with _port_errors(ref.chat):
            await self.sender.edit(ref, screen, bulk=True, quiet=False)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send a screen to a person's private chat with the bot."""
        return await self.send(private_chat(user_key), screen)


@asynccontextmanager
async def _port_errors(chat: ChatRef) -> AsyncIterator[None]:
    """Telegram's errors as the Messenger port's."""
    try:
        yield
    except RecipientBlocked as error:
        raise Undeliverable(chat.chat_key) from error
    except RetryAfter as error:
        raise PlatformUnavailable("Telegram flood control", retry_seconds(error)) from error
    except BadRequest as error:
        if any(reason in error.message.lower() for reason in GONE):
            raise Undeliverable(chat.chat_key) from error
        raise
    except NetworkError as error:
        raise PlatformUnavailable(f"Telegram unreachable: {error}") from error
