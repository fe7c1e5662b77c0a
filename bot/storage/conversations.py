"""Durable conversation state (wizards) and numbered menus per chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.tables import ChatMenuRow, ConversationRow, KeyValueRow
from bot.storage.upsert import upsert


@dataclass(frozen=True, slots=True)
class Conversation:
    """A member's ongoing multi-step conversation: its kind and its state."""

    kind: str
    state: dict[str, Any]
    updated_at: datetime


_CONVERSATION = select(
    ConversationRow.kind, ConversationRow.state, ConversationRow.updated_at
).where(ConversationRow.member_id == bindparam("member_id"))


class ConversationRepository:
    """One ongoing multi-step conversation per member."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> Conversation | None:
        """The member's ongoing conversation, if any (a plain read: it runs on every step)."""
        await self.session.flush()
        connection = await self.session.connection()
        row = (await connection.execute(_CONVERSATION, {"member_id": member_id})).first()
        return None if row is None else Conversation(row.kind, dict(row.state), row.updated_at)

    async def put(self, member_id: int, kind: str, state: dict[str, Any], at: datetime) -> None:
        """Start or update a conversation (one statement)."""
        await self.session.flush()
        values = {"member_id": member_id, "kind": kind, "state": dict(state), "updated_at": at}
        await upsert(self.session, ConversationRow, values)

    async def clear(self, member_id: int) -> None:
        """End the member's conversation."""
        await self.session.execute(
            delete(ConversationRow).where(ConversationRow.member_id == member_id)
        )


class ChatMenuRepository:
    """The buttons last shown in a chat, so that typing their number presses them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, platform: str, chat_key: str) -> list[str]:
        """Encoded actions of the last menu, in order."""
        row = await self.session.get(ChatMenuRow, (platform, chat_key))
        return list(row.actions) if row else []

    async def put(self, platform: str, chat_key: str, actions: list[str], at: datetime) -> None:
        """Remember the last menu of a chat (one statement)."""
        values = {
            "platform": platform,
            "chat_key": chat_key,
            "actions": list(actions),
            "updated_at": at,
        }
        await upsert(self.session, ChatMenuRow, values)


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
