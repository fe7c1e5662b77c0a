"""Unit of work: one transaction around one use case."""

from __future__ import annotations

from functools import cache
from types import TracebackType
from typing import Any

from sqlalchemy import Row, Select, Table, bindparam, func, literal, select, text, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.core.clock import Clock
from bot.storage.engine import session_factory
from bot.storage.tables import ProcessedEventRow
from bot.storage.upsert import discard_deferred, flush_deferred


class UnitOfWork:
    """A transaction; rolled back unless `commit()` is called."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self.clock = clock
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside `async with`)."""
        if self._session is None:
            raise RuntimeError("unit of work is not open")
        return self._session

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.session.get_bind().dialect.name

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        """Make the work durable (deferred upserts included)."""
        await flush_deferred(self.session)
        await self.session.commit()

    async def rollback(self) -> None:
        """Forget the work done so far."""
        discard_deferred(self.session)
        await self.session.rollback()

    async def claim_event(self, event_key: str) -> bool:
        """Record an event as processed; False if it already was (in this transaction)."""
        values = {"event_key": event_key, "processed_at": self.clock.now()}
        connection = await self.session.connection()
        result = await connection.execute(_claim(self.dialect == "postgresql"), values)
        return bool(result.rowcount)

    async def claim_event_and_read(
        self, event_key: str, query: Select[*tuple[Any, ...]], params: dict[str, Any]
    ) -> tuple[bool, list[Row[Any]]]:
        """`claim_event`, and the rows of `query`: one round trip on PostgreSQL.

        Every interaction starts with both (the event claim, then who is acting), and on
        PostgreSQL a round trip costs the bot and the server more than the statements
        themselves. The claim goes in a data-modifying CTE of the same statement.
        """
        if self.dialect != "postgresql":
            claimed = await self.claim_event(event_key)
            connection = await self.session.connection()
            return claimed, list(await connection.execute(query, params))
        combined = _claiming(query)
        values = {**params, "_event_key": event_key, "_processed_at": self.clock.now()}
        connection = await self.session.connection()
        rows = list(await connection.execute(combined, values))
        claimed = bool(rows[0]._claimed)
        found = [row for row in rows if any(v is not None for v in tuple(row)[1:])]
        return claimed, found

    async def lock_key(self, key: str) -> None:
        """PostgreSQL: wait for, then hold until this transaction ends, a lock named `key`
        (an advisory lock; other processes asking for the same key wait). Statements after
        it see what the previous holder committed. A no-op on SQLite, whose writes are
        serialised already."""
        if self.dialect != "postgresql":
            return
        connection = await self.session.connection()
        await connection.execute(_ADVISORY_LOCK, {"key": key})

    async def event_seen(self, event_key: str) -> bool:
        """True if an event was already processed."""
        row = await self.session.scalar(
            select(ProcessedEventRow.event_key).where(ProcessedEventRow.event_key == event_key)
        )
        return row is not None


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


@cache
def _claim(postgres: bool) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING into processed_events, built once per dialect."""
    table = ProcessedEventRow.__table__
    assert isinstance(table, Table)
    return (pg_insert if postgres else sqlite_insert)(table).on_conflict_do_nothing()


@cache
def _claiming(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """PostgreSQL: `query`'s rows, each with `_claimed` (1 if the event claim was new)."""
    table = ProcessedEventRow.__table__
    assert isinstance(table, Table)
    claim = (
        pg_insert(table)
        .values(event_key=bindparam("_event_key"), processed_at=bindparam("_processed_at"))
        .on_conflict_do_nothing()
        .returning(literal(1).label("claimed"))
        .cte("claim")
    )
    read = query.subquery("read")
    one = select(literal(1).label("one")).subquery("one")
    return select(
        select(func.count()).select_from(claim).scalar_subquery().label("_claimed"),
        *read.c,
    ).select_from(one.outerjoin(read, true()))


class Database:
    """The engine plus a way to open units of work."""

    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.sessions = session_factory(engine)

    def uow(self) -> UnitOfWork:
        """Open a new unit of work (use with `async with`)."""
        return UnitOfWork(self.sessions, self.clock)

    async def dispose(self) -> None:
        """Close every connection."""
        await self.engine.dispose()
