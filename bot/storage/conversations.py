"""Durable conversation state (wizards) and numbered menus per chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.tables import ChatMenuRow, ConversationRow, KeyValueRow, MemberRow
from bot.storage.upsert import defer_delete, defer_upsert, flush_deferred


@dataclass(frozen=True, slots=True)
class Conversation:
    """A member's ongoing multi-step conversation: its kind and its state."""

    kind: str
    state: dict[str, Any]
    updated_at: datetime


_CONVERSATION = select(
    ConversationRow.kind, ConversationRow.state, ConversationRow.updated_at
).where(ConversationRow.member_id == bindparam("member_id"))


#: `session.info` key: member id -> the conversation as read or written in this transaction.
_KNOWN = "parvis.conversations"


@cache
def with_conversation(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """`query` (members, one row per role) with each member's conversation alongside, so the
    dispatcher reads who acts and where they are in a conversation in one statement."""
    return query.outerjoin(ConversationRow, ConversationRow.member_id == MemberRow.id).add_columns(
        ConversationRow.kind.label("conversation_kind"),
        ConversationRow.state.label("conversation_state"),
        ConversationRow.updated_at.label("conversation_updated_at"),
    )


class ConversationRepository:
    """One ongoing multi-step conversation per member.

    What was read or written in the current transaction is remembered in the session, so a
    conversation read with its member (`with_conversation`) is not read again.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._known: dict[int, Conversation | None] = session.info.setdefault(_KNOWN, {})

    def preload(self, member_id: int, row: Any) -> None:
        """Remember the conversation read by a `with_conversation` query."""
        kind = row.conversation_kind
        self._known[member_id] = (
            None
            if kind is None
            else Conversation(kind, dict(row.conversation_state), row.conversation_updated_at)
        )

    async def get(self, member_id: int) -> Conversation | None:
        """The member's ongoing conversation, if any (a plain read: it runs on every step)."""
        if member_id in self._known:
            return self._known[member_id]
        await flush_deferred(self.session)
        await self.session.flush()
        connection = await self.session.connection()
        row = (await connection.execute(_CONVERSATION, {"member_id": member_id})).first()
        found = None if row is None else Conversation(row.kind, dict(row.state), row.updated_at)
        self._known[member_id] = found
        return found

    async def put(self, member_id: int, kind: str, state: dict[str, Any], at: datetime) -> None:
        """Start or update a conversation (one statement)."""
        values = {"member_id": member_id, "kind": kind, "state": dict(state), "updated_at": at}
        defer_upsert(self.session, ConversationRow, values)  # written at commit
        self._known[member_id] = Conversation(kind, dict(state), at)

    async def clear(self, member_id: int) -> None:
        """End the member's conversation (deleted at commit, with the other deferred writes)."""
        defer_delete(self.session, ConversationRow, (member_id,))
        self._known[member_id] = None


class ChatMenuRepository:
    """The buttons last shown in a chat, so that typing their number presses them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, platform: str, chat_key: str) -> list[str]:
        """Encoded actions of the last menu, in order."""
        await flush_deferred(self.session)
        row = await self.session.get(ChatMenuRow, (platform, chat_key))
        return list(row.actions) if row else []

    async def put(self, platform: str, chat_key: str, actions: list[str], at: datetime) -> None:
        """Remember the last menu of a chat (written at commit, with the other deferred rows)."""
        values = {
            "platform": platform,
            "chat_key": chat_key,
            "actions": list(actions),
            "updated_at": at,
        }
        defer_upsert(self.session, ChatMenuRow, values)


class AdapterStateRepository:
    """Small key/value state of adapters (update offsets, sync tokens)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        """Read a value."""
        return await self.session.scalar(select(KeyValueRow.value).where(KeyValueRow.key == key))

    async def put(self, key: str, value: str, at: datetime) -> None:
        """Write a value."""
        row = await self.session.get(KeyValueRow, key)
        if row is None:
            self.session.add(KeyValueRow(key=key, value=value, updated_at=at))
        else:
            row.value, row.updated_at = value, at
        await self.session.flush()
