"""How Telegram chats, users, messages and updates are named in the neutral ports."""

from __future__ import annotations

from bot.platforms.ports import ChatRef, MessageRef

PLATFORM = "telegram"


def user_key(user_id: int) -> str:
    """A Telegram user as an identity key (`123456`)."""
    return str(user_id)


def chat_ref(chat_id: int, is_private: bool) -> ChatRef:
    """A Telegram chat as a neutral chat reference."""
    return ChatRef(PLATFORM, str(chat_id), is_private)


def private_chat(user_key_: str) -> ChatRef:
    """The private chat with a person (its id is the person's id)."""
    return ChatRef(PLATFORM, user_key_, True)


def chat_id(chat: ChatRef) -> int:
    """The numeric Telegram chat id behind a chat reference."""
    if chat.platform != PLATFORM:
        raise ValueError(f"not a Telegram chat: {chat.platform}")
    return int(chat.chat_key)


def message_ref(chat_id_: int, message_id: int, is_private: bool) -> MessageRef:
    """A posted message as a neutral reference."""
    return MessageRef(chat_ref(chat_id_, is_private), str(message_id))


def event_key(bot_id: int, update_id: int) -> str:
    """The idempotency key of an update: `telegram:<bot id>:<update id>`.

    Update ids are only unique per bot, so the bot id is part of the key: a token change
    (a new bot) can never make a fresh update look like an old, already processed one.
    """
    return f"{PLATFORM}:{bot_id}:{update_id}"
