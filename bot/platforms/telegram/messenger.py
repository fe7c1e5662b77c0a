"""The `Messenger` port on Telegram, for messages nobody asked for just now (fan-out,
reminders, results): every send is bulk, i.e. paced per chat and overall."""

from __future__ import annotations

from bot.platforms.ports import ChatRef, MessageRef, RecipientUnreachable, Screen
from bot.platforms.telegram.ids import PLATFORM, private_chat
from bot.platforms.telegram.outbound import CAPABILITIES
from bot.platforms.telegram.sender import Sender


class Undeliverable(RecipientUnreachable):
    """The message could not be delivered (the person blocked the bot, the chat is gone)."""


class TelegramMessenger:
    """Send, edit and send privately by identity key."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen in a chat (paced); raises Undeliverable if it cannot arrive."""
        ref = await self.sender.send(chat, screen, bulk=True)
        if ref is None:
            raise Undeliverable(chat.chat_key)
        return ref

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen (a new message if it can no longer be edited)."""
        if await self.sender.edit(ref, screen, bulk=True) is None:
            raise Undeliverable(ref.chat.chat_key)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send a screen to a person's private chat with the bot."""
        return await self.send(private_chat(user_key), screen)
