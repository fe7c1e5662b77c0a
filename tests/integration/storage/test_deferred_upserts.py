"""Rows written at commit (the chat's menu, a conversation): read back correctly inside the
transaction, forgotten on rollback, and on PostgreSQL merged into one statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.core.clock import SystemClock
from bot.storage.conversations import ChatMenuRepository, ConversationRepository
from bot.storage.engine import create_engine
from bot.storage.tables import ChatMenuRow, ConversationRow, MemberRow, OrganisationRow
from bot.storage.uow import Database
from tests.support.databases import record_statements

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url), SystemClock())
    yield database
    await database.dispose()


async def a_member(db: Database) -> int:
    async with db.uow() as uow:
        org = OrganisationRow(slug="coop", name="Coop", created_at=NOW)
        uow.session.add(org)
        await uow.session.flush()
        member = MemberRow(organisation_id=org.id, display_name="Alice", created_at=NOW)
        uow.session.add(member)
        await uow.session.flush()
        await uow.commit()
        return member.id


async def counts(db: Database) -> tuple[int, int]:
    async with db.uow() as uow:
        menus = await uow.session.scalar(select(func.count()).select_from(ChatMenuRow))
        talks = await uow.session.scalar(select(func.count()).select_from(ConversationRow))
    return int(menus or 0), int(talks or 0)


async def test_read_back_in_the_transaction_and_written_at_commit(db: Database) -> None:
    member_id = await a_member(db)
    async with db.uow() as uow:
        menus, talks = ChatMenuRepository(uow.session), ConversationRepository(uow.session)
        await menus.put("telegram", "42", ["a:1", "a:2"], NOW)
        await menus.put("telegram", "42", ["b:1"], NOW)  # the later one wins
        assert await menus.get("telegram", "42") == ["b:1"]
        await talks.put(member_id, "ballot", {"poll": 1}, NOW)
        await menus.put("telegram", "42", ["c:1"], NOW)
        assert (await ConversationRepository(uow.session).get(member_id)).state == {"poll": 1}
        await uow.commit()
    async with db.uow() as uow:
        assert await ChatMenuRepository(uow.session).get("telegram", "42") == ["c:1"]
        found = await ConversationRepository(uow.session).get(member_id)
        assert found is not None and found.kind == "ballot"


async def test_rollback_forgets_them_and_clear_cancels_a_pending_write(db: Database) -> None:
    member_id = await a_member(db)
    async with db.uow() as uow:
        await ChatMenuRepository(uow.session).put("telegram", "42", ["a:1"], NOW)
        await ConversationRepository(uow.session).put(member_id, "ballot", {}, NOW)
        await uow.rollback()
        await uow.commit()
    assert await counts(db) == (0, 0)
    async with db.uow() as uow:
        talks = ConversationRepository(uow.session)
        await talks.put(member_id, "ballot", {}, NOW)
        await talks.clear(member_id)
        await uow.commit()
    assert await counts(db) == (0, 0)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite: one by one
async def test_postgresql_writes_them_in_one_statement(db: Database) -> None:
    member_id = await a_member(db)
    statements = record_statements(db.engine)
    async with db.uow() as uow:
        await ChatMenuRepository(uow.session).put("telegram", "42", ["a:1"], NOW)
        await ConversationRepository(uow.session).put(member_id, "ballot", {}, NOW)
        await uow.commit()
    assert len(statements) == 1 and statements[0].startswith("WITH deferred_0")
    assert await counts(db) == (1, 1)


async def test_a_cleared_conversation_is_deleted_at_commit_unless_started_again(
    db: Database,
) -> None:
    member_id = await a_member(db)
    async with db.uow() as uow:
        await ConversationRepository(uow.session).put(member_id, "ballot", {"poll": 1}, NOW)
        await uow.commit()
    async with db.uow() as uow:
        talks = ConversationRepository(uow.session)
        await talks.clear(member_id)
        assert await talks.get(member_id) is None
        await ChatMenuRepository(uow.session).put("telegram", "42", ["a:1"], NOW)
        await uow.rollback()  # nothing deleted
    assert await counts(db) == (0, 1)
    async with db.uow() as uow:
        talks = ConversationRepository(uow.session)
        await talks.clear(member_id)
        await talks.put(member_id, "roster", {}, NOW)  # started again: the later write wins
        await uow.commit()
    async with db.uow() as uow:
        found = await ConversationRepository(uow.session).get(member_id)
        assert found is not None and found.kind == "roster"
    async with db.uow() as uow:
        await ConversationRepository(uow.session).clear(member_id)
        await ChatMenuRepository(uow.session).put("telegram", "42", ["a:1"], NOW)
        await uow.commit()
    assert await counts(db) == (1, 0)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_postgresql_deletes_with_the_other_writes_in_one_statement(db: Database) -> None:
    member_id = await a_member(db)
    async with db.uow() as uow:
        await ConversationRepository(uow.session).put(member_id, "ballot", {}, NOW)
        await uow.commit()
    statements = record_statements(db.engine)
    async with db.uow() as uow:
        await ConversationRepository(uow.session).clear(member_id)
        await ChatMenuRepository(uow.session).put("telegram", "42", ["a:1"], NOW)
        await uow.commit()
    assert len(statements) == 1 and "DELETE FROM conversations" in statements[0]
    assert await counts(db) == (1, 0)
