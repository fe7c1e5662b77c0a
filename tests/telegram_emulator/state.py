"""In-memory state of one emulated bot: chats, messages, updates, files, commands, stats."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .config import EmulatorConfig
from .errors import bad_request
from .flood import FloodLimiter
from .models import CallbackAnswer, CallbackQueryRecord, StoredFile, StoredMessage
from .notify import Notifier

#: What changes of the update queue are about (see ``Notifier``); changes of a chat are
#: about its id.
UPDATES = "updates"

#: Update types delivered when ``allowed_updates`` is empty or never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class WebhookConfig:
    """The webhook set by ``setWebhook``."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotState:
    """Everything the emulator knows about one bot token."""

    def __init__(self, token: str, username: str, first_name: str = "Parvis Test Bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.config = EmulatorConfig()
        self.limiter = FloodLimiter(self.config)
        self.notifier = Notifier()
        self.closing = False
        self.clear()

    def clear(self) -> None:
        """Forget all runtime state (chats, updates, files, counters, webhook, blocks)."""
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.next_message_id: dict[int, int] = {}
        self.updates: list[dict[str, Any]] = []
        self.update_ids = itertools.count(10_001)
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.delivery_counts: Counter[int] = Counter()
        self.poll_generation = 0
        self.webhook: WebhookConfig | None = None
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, StoredFile] = {}
        self.file_counter = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.query_counter = itertools.count(1)
        self.polls: dict[str, StoredMessage] = {}
        self.poll_votes: dict[str, dict[int, list[int]]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.blocked: set[int] = set()
        self.calls: Counter[str] = Counter()
        self.errors: Counter[int] = Counter()
        self.send_times: list[float] = []
        self.limiter.reset()

    # -- users and chats ------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The bot's ``User`` object (``getMe`` adds capability flags)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def ensure_user(self, user_id: int, **fields: Any) -> dict[str, Any]:
        """Create or update a (human) user; ``None`` values keep previous/default values."""
        user = self.users.setdefault(
            user_id,
            {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User{user_id}",
                "language_code": "en",
            },
        )
        user.update({k: v for k, v in fields.items() if v is not None})
        return user

    def ensure_chat(
        self, chat_id: int, chat_type: str | None = None, title: str | None = None
    ) -> dict[str, Any]:
        """Create the chat on first use; private chats mirror their user's names."""
        chat = self.chats.get(chat_id)
        if chat is None:
            kind = chat_type or ("private" if chat_id > 0 else "group")
            if kind == "private":
                user = self.ensure_user(chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                for key in ("last_name", "username"):
                    if key in user:
                        chat[key] = user[key]
            else:
                chat = {"id": chat_id, "type": kind, "title": title or f"Group {chat_id}"}
            self.chats[chat_id] = chat
            self.messages[chat_id] = {}
            self.next_message_id[chat_id] = 1
        return chat

    def resolve_chat(self, chat_id: int | str | None) -> int:
        """Map a ``chat_id`` request argument to a known chat (400 ``chat not found``)."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self.chats.values():
                    if chat.get("username", "").lower() == chat_id[1:].lower():
                        return int(chat["id"])
                raise bad_request("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise bad_request("chat not found") from None
        if chat_id == 0 or (chat_id not in self.chats and self.config.strict_chats):
            raise bad_request("chat not found")
        self.ensure_chat(chat_id)
        return chat_id

    # -- messages ---------------------------------------------------------------------------

    def new_message(
        self,
        chat_id: int,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        from_bot: bool,
        method: str = "",
    ) -> StoredMessage:
        """Store a new message with the next message id of the chat."""
        chat = self.ensure_chat(chat_id)
        message_id = self.next_message_id[chat_id]
        self.next_message_id[chat_id] = message_id + 1
        body = {"message_id": message_id, "from": sender, "date": int(time.time()), "chat": chat}
        body.update(content)
        stored = StoredMessage(chat_id, message_id, from_bot, body, method=method)
        self.messages[chat_id][message_id] = stored
        self.notifier.notify(chat_id)
        return stored

    def get_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """Return a non-deleted message or ``None``."""
        stored = self.messages.get(chat_id, {}).get(message_id)
        return None if stored is None or stored.deleted else stored

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        """Messages the bot sent to ``chat_id`` (including deleted ones), oldest first."""
        return [m for m in self.messages.get(chat_id, {}).values() if m.from_bot]

    # -- files --------------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        folder: str,
        extension: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Keep ``data`` and make it downloadable under ``folder/file_N.ext``."""
        number = next(self.file_counter)
        digest = hashlib.sha1(data + str(number).encode()).hexdigest()
        stored = StoredFile(
            file_id=f"{folder[:3].upper()}{number}_{digest[:24]}",
            file_unique_id=f"U{digest[:12]}",
            data=data,
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.file_paths[stored.file_path] = stored
        return stored

    # -- updates ------------------------------------------------------------------------------

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Append an update of type ``kind`` and wake pollers / the webhook pusher."""
        update = {"update_id": next(self.update_ids), kind: payload}
        self.updates.append(update)
        self.notifier.notify(UPDATES)
        return update

    def allowed(self, update: dict[str, Any], allowed: frozenset[str]) -> bool:
        """True if the update's type is in ``allowed``."""
        return any(key in allowed for key in update if key != "update_id")

    def confirm_below(self, offset: int) -> None:
        """Drop updates with ``update_id < offset`` (getUpdates ``offset`` semantics)."""
        before = len(self.updates)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if len(self.updates) != before:
            self.notifier.notify(UPDATES)

    def drop_update(self, update_id: int) -> None:
        """Remove one update (webhook delivery succeeded)."""
        self.updates = [u for u in self.updates if u["update_id"] != update_id]
        self.notifier.notify()

    def record_send(self, chat_id: int) -> None:
        """Count a successful send for the statistics."""
        self.send_times.append(time.monotonic())
