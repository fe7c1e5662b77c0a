"""Test-side API: play users (messages, button presses, documents, votes) and inspect the bot."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .config import EmulatorConfig
from .content import document_json, extension, guess_mime
from .errors import EmulatorError, EmulatorTimeout
from .methods_bot import scope_key
from .models import CallbackAnswer, CallbackQueryRecord, Stats, StoredMessage
from .state import BotState

T = TypeVar("T")
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")


def chat_instance(bot_id: int, chat_id: int) -> str:
    """A stable ``chat_instance`` string for callback queries from ``chat_id``."""
    digest = hashlib.sha1(f"{bot_id}:{chat_id}".encode()).hexdigest()
    return str(int(digest[:15], 16))


class BotDriver:
    """Drive one emulated bot from a test. All injections are synchronous and return the
    created update; waiting for the bot's reaction is done with the async ``wait_*`` methods.
    """

    def __init__(self, state: BotState) -> None:
        self.state = state

    @property
    def token(self) -> str:
        """The bot token."""
        return self.state.token

    # -- playing users --------------------------------------------------------------------

    def _user_chat(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        chat_title: str | None,
        **user_fields: Any,
    ) -> tuple[dict[str, Any], int]:
        if user_id <= 0:
            raise EmulatorError("user ids must be positive")
        user = self.state.ensure_user(user_id, **user_fields)
        if chat_type == "private":
            if chat_id not in (None, user_id):
                raise EmulatorError("a private chat's id is the user's id")
            chat = self.state.ensure_chat(user_id, "private")
            chat.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
            return user, user_id
        if chat_type not in ("group", "supergroup") or chat_id is None or chat_id >= 0:
            raise EmulatorError(
                "group chats need chat_type 'group'/'supergroup' and a negative chat_id"
            )
        self.state.ensure_chat(chat_id, chat_type, chat_title)
        return user, chat_id

    def user_message(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Inject a text message from a user; a leading ``/command`` (``/start CODE`` deep
        links included) gets its ``bot_command`` entity. Returns the update."""
        user, chat = self._user_chat(
            user_id,
            chat_id,
            chat_type,
            chat_title,
            first_name=first_name,
            last_name=last_name,
            language_code=language_code,
            username=username,
        )
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": match.end()}]
        if reply_to is not None:
            replied = self.state.get_message(chat, reply_to)
            if replied is None:
                raise EmulatorError(f"no message {reply_to} in chat {chat} to reply to")
            inner = copy.deepcopy(replied.json)
            inner.pop("reply_to_message", None)
            content["reply_to_message"] = inner
        stored = self.state.new_message(chat, user, content, from_bot=False)
        return self.state.enqueue("message", copy.deepcopy(stored.json))

    def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        caption: str | None = None,
        *,
        chat_id: int | None = None,
        mime_type: str | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Inject a document sent by a user; the bot can fetch it with getFile."""
        user, chat = self._user_chat(user_id, chat_id, chat_type, None)
        mime = guess_mime(filename, mime_type)
        stored_file = self.state.store_file(
            data, "documents", extension(filename, mime), file_name=filename, mime_type=mime
        )
        content: dict[str, Any] = {"document": document_json(stored_file)}
        if caption is not None:
            content["caption"] = caption
        stored = self.state.new_message(chat, user, content, from_bot=False)
        stored.file = stored_file
        return self.state.enqueue("message", copy.deepcopy(stored.json))

    def _bot_message(self, chat_id: int, message_id: int) -> StoredMessage:
        stored = self.state.get_message(chat_id, message_id)
        if stored is None or not stored.from_bot:
            raise EmulatorError(
                f"the bot has no message {message_id} in chat {chat_id}; "
                f"it sent {[m.message_id for m in self.sent_to(chat_id)]}"
            )
        return stored

    def press_button(
        self, user_id: int, message_id: int, callback_data: str, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Press the inline button carrying ``callback_data`` (it must exist). Returns the
        ``callback_query`` update."""
        chat = user_id if chat_id is None else chat_id
        stored = self._bot_message(chat, message_id)
        if callback_data not in stored.callback_data:
            raise EmulatorError(
                f"message {message_id} in chat {chat} has no button with "
                f"callback_data {callback_data!r}; it has "
                f"{stored.callback_data}"
            )
        user = self.state.ensure_user(user_id)
        query_id = f"{self.state.bot_id}{next(self.state.query_counter):06d}"
        self.state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, user_id, chat, message_id, callback_data
        )
        return self.state.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user,
                "message": copy.deepcopy(stored.json),
                "chat_instance": chat_instance(self.state.bot_id, chat),
                "data": callback_data,
            },
        )

    def answer_poll(
        self, user_id: int, message_id: int, option_ids: list[int], chat_id: int | None = None
    ) -> dict[str, Any]:
        """Vote (or retract with ``[]``) in a poll the bot sent: a ``poll_answer`` update for
        public polls, a ``poll`` update with the new counts for anonymous ones."""
        chat = user_id if chat_id is None else chat_id
        poll = self._bot_message(chat, message_id).json.get("poll")
        if poll is None or poll["is_closed"]:
            raise EmulatorError(f"message {message_id} is not an open poll")
        count = len(poll["options"])
        if any(not 0 <= i < count for i in option_ids) or (
            len(option_ids) > 1 and not poll["allows_multiple_answers"]
        ):
            raise EmulatorError(f"invalid option_ids {option_ids} for this poll")
        votes = self.state.poll_votes.setdefault(poll["id"], {})
        for i in votes.get(user_id, []):
            poll["options"][i]["voter_count"] -= 1
        for i in option_ids:
            poll["options"][i]["voter_count"] += 1
        votes[user_id] = list(option_ids)
        poll["total_voter_count"] = sum(1 for v in votes.values() if v)
        if poll["is_anonymous"]:
            return self.state.enqueue("poll", copy.deepcopy(poll))
        return self.state.enqueue(
            "poll_answer",
            {
                "poll_id": poll["id"],
                "user": self.state.ensure_user(user_id),
                "option_ids": list(option_ids),
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in option_ids],
            },
        )

    def block(self, user_id: int, notify: bool = True) -> dict[str, Any] | None:
        """The user blocks the bot: sends to them get 403. With ``notify``, the bot receives
        the ``my_chat_member`` update Telegram sends (returned)."""
        self.state.blocked.add(user_id)
        return self._member_update(user_id, "member", "kicked") if notify else None

    def unblock(self, user_id: int, notify: bool = True) -> dict[str, Any] | None:
        """The user unblocks the bot."""
        self.state.blocked.discard(user_id)
        return self._member_update(user_id, "kicked", "member") if notify else None

    def _member_update(self, user_id: int, old: str, new: str) -> dict[str, Any]:
        user = self.state.ensure_user(user_id)
        bot = self.state.bot_user()

        def member(status: str) -> dict[str, Any]:
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return self.state.enqueue(
            "my_chat_member",
            {
                "chat": self.state.ensure_chat(user_id, "private"),
                "from": user,
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    # -- inspecting the bot -------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[StoredMessage]:
        """Messages the bot sent to ``chat_id`` (edited and deleted ones included)."""
        return self.state.bot_messages(chat_id)

    async def wait_sent(
        self,
        chat_id: int,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[StoredMessage]:
        """Wait until the bot sent at least ``n`` messages to ``chat_id``; return them all."""

        def enough() -> list[StoredMessage] | None:
            sent = self.sent_to(chat_id)
            return sent if len(sent) >= n else None

        try:
            return await self.state.notifier.wait_until(enough, timeout)
        except TimeoutError:
            texts = [m.text for m in self.sent_to(chat_id)]
            raise EmulatorTimeout(
                f"expected {n} message(s) to chat {chat_id} within "
                f"{timeout}s, got {len(texts)}: {texts}"
            ) from None

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109
        chat_id: int | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy (re-checked after every emulator change, or
        with ``chat_id`` only after changes in that chat: messages, edits, button answers)."""
        try:
            return await self.state.notifier.wait_until(predicate, timeout, chat_id)
        except TimeoutError:
            raise EmulatorTimeout(f"condition not met within {timeout}s") from None

    async def wait_delivered(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed (getUpdates offset) or received (webhook) every
        injected update."""
        await self.wait_for(lambda: not self.state.updates, timeout)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self.state.updates)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Every answerCallbackQuery call, in order."""
        return list(self.state.callback_answers)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        """Every sendChatAction call as ``(chat_id, action)``."""
        return list(self.state.chat_actions)

    def commands(
        self, scope: dict[str, Any] | str | None = None, language: str = ""
    ) -> list[dict[str, str]]:
        """Commands set for exactly ``scope`` (dict, type name or ``None``) and ``language``."""
        return [dict(c) for c in self.state.commands.get((scope_key(scope), language), [])]

    def file_bytes(self, file_id: str) -> bytes:
        """Content of a stored file."""
        return self.state.files[file_id].data

    def config(self, **changes: Any) -> EmulatorConfig:
        """Change settings at runtime (see :class:`EmulatorConfig`); returns the config."""
        self.state.config.update(**changes)
        self.state.notifier.notify()
        return self.state.config

    def stats(self) -> Stats:
        """Counters: calls per method, errors, 429/403 counts, achieved send rate..."""
        state = self.state
        times = state.send_times
        best, start = 0, 0
        for end, stamp in enumerate(times):
            while stamp - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return Stats(
            calls=dict(state.calls),
            errors=dict(state.errors),
            too_many_requests=state.errors[429],
            forbidden=state.errors[403],
            sends=len(times),
            sends_per_second=(len(times) - 1) / span if span > 0 else float(len(times)),
            max_sends_in_1s=best,
            messages_per_chat={c: len(self.sent_to(c)) for c in state.chats if self.sent_to(c)},
            updates_delivered=len(state.delivery_counts),
            redeliveries=sum(c - 1 for c in state.delivery_counts.values() if c > 1),
        )

    def reset(self, keep_config: bool = False) -> None:
        """Forget everything (and restore the default config unless ``keep_config``)."""
        self.state.clear()
        if not keep_config:
            defaults = {f.name: f.default for f in dataclasses.fields(EmulatorConfig)}
            self.state.config.update(**defaults)
        self.state.notifier.notify()
