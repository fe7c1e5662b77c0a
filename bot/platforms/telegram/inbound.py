"""Telegram updates as neutral interactions (pure: no network, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Chat, ChatMember, Message, Update, User

from bot.platforms import actions as codec
from bot.platforms.ports import (
    ActionInvoked,
    ChatRef,
    Command,
    FileInput,
    Interaction,
    MessageRef,
    PlatformUser,
    TextInput,
)
from bot.platforms.telegram import deeplinks, ids
from bot.platforms.text_commands import parse_text


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document a person sent, still to be downloaded with getFile."""

    file_id: str
    filename: str
    size: int | None
    mime_type: str | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """An interaction to dispatch; with a document, its content is fetched first."""

    interaction: Interaction
    callback_query_id: str | None = None
    document: DocumentRef | None = None


@dataclass(frozen=True, slots=True)
class UndecodableButton:
    """A button press whose data is not (or no longer) a valid action."""

    actor: PlatformUser
    chat: ChatRef
    callback_query_id: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Something sent in a private chat that Parvis cannot read (a sticker, a photo...)."""

    actor: PlatformUser
    chat: ChatRef


@dataclass(frozen=True, slots=True)
class ReachabilityChange:
    """A person blocked (or unblocked) the bot in their private chat."""

    user_key: str
    reachable: bool


Inbound = Incoming | UndecodableButton | Unsupported | ReachabilityChange


def actor_of(user: User) -> PlatformUser:
    """A Telegram user as a neutral platform user; their app language is a hint."""
    return PlatformUser(ids.PLATFORM, ids.user_key(user.id), user.full_name, user.language_code)


def chat_of(chat: Chat) -> ChatRef:
    """A Telegram chat as a neutral chat reference."""
    return ids.chat_ref(chat.id, chat.type == Chat.PRIVATE)


#: What Parvis reads of the message a pressed button belongs to (see `slim_update`).
BUTTON_MESSAGE_FIELDS = ("message_id", "chat", "date")


def slim_update(raw: dict[str, Any]) -> dict[str, Any]:
    """The update without what Parvis never reads of a pressed button's message.

    Telegram sends the whole message with every button press (its text, entities, the full
    keyboard); `read_update` only needs its id and chat. PTB builds a `Message` with every
    entity and button from it: measured, about 5 % of the CPU the bot spends on a vote
    (benchmarks/telegram_votes.py). Other updates are returned as they are.
    """
    query = raw.get("callback_query")
    if not isinstance(query, dict):
        return raw
    message = query.get("message")
    if not isinstance(message, dict):
        return raw
    kept = {k: message[k] for k in BUTTON_MESSAGE_FIELDS if k in message}
    return {**raw, "callback_query": {**query, "message": kept}}


def read_update(
    update: Update, *, bot_id: int, bot_username: str, received_at: datetime
) -> Inbound | None:
    """What an update means for Parvis, or None when it should be ignored."""
    key = ids.event_key(bot_id, update.update_id)
    if update.message is not None:
        return _read_message(update.message, bot_username, key, received_at)
    if update.callback_query is not None:
        return _read_callback(update.callback_query, key, received_at)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != Chat.PRIVATE:
            return None
        status = member.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            return ReachabilityChange(ids.user_key(member.from_user.id), False)
        if status == ChatMember.MEMBER:
            return ReachabilityChange(ids.user_key(member.from_user.id), True)
    return None


def _read_message(
    message: Message, bot_username: str, key: str, received_at: datetime
) -> Inbound | None:
    user = message.from_user
    if user is None or user.is_bot:
        return None
    actor, chat = actor_of(user), chat_of(message.chat)
    origin = _replied_bot_message(message, chat)
    if message.text is not None:
        intent = parse_text(message.text, bot_username)
        if not chat.is_direct and isinstance(intent, TextInput):
            return None  # group chatter is not for Parvis; only commands are
        if chat.is_direct and isinstance(intent, Command) and intent.name == "start":
            action = deeplinks.action_from(intent.args[0]) if intent.args else None
            if action is not None:  # a group message's button, opened here
                intent = ActionInvoked(action)
        return Incoming(Interaction(actor, chat, intent, key, received_at, origin))
    if not chat.is_direct:
        return None
    if message.document is not None:
        document = message.document
        ref = DocumentRef(
            document.file_id,
            document.file_name or "document",
            document.file_size,
            document.mime_type,
        )
        intent_file = FileInput(ref.filename, b"", message.caption or "")
        return Incoming(
            Interaction(actor, chat, intent_file, key, received_at, origin), document=ref
        )
    return Unsupported(actor, chat)


def _replied_bot_message(message: Message, chat: ChatRef) -> MessageRef | None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    return MessageRef(chat, str(replied.message_id))


def _read_callback(query: CallbackQuery, key: str, received_at: datetime) -> Inbound:
    actor = actor_of(query.from_user)
    message = query.message
    if message is not None:
        chat = chat_of(message.chat)
        origin: MessageRef | None = MessageRef(chat, str(message.message_id))
    else:
        chat, origin = ids.private_chat(actor.user_key), None
    if not chat.is_direct:  # Parvis posts no callback buttons in groups (see deeplinks)
        return UndecodableButton(actor, chat, query.id)
    try:
        action = codec.decode(query.data or "")
    except codec.ActionCodecError:
        return UndecodableButton(actor, chat, query.id)
    interaction = Interaction(actor, chat, ActionInvoked(action), key, received_at, origin)
    return Incoming(interaction, callback_query_id=query.id)
