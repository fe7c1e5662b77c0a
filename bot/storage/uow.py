"""Unit of work: one transaction around one use case."""

from __future__ import annotations

from functools import cache
from types import TracebackType

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.core.clock import Clock
from bot.storage.engine import session_factory
from bot.storage.tables import ProcessedEventRow


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
        """Make the work durable."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Forget the work done so far."""
        await self.session.rollback()

    async def claim_event(self, event_key: str) -> bool:
        """Record an event as processed; False if it already was (in this transaction)."""
        values = {"event_key": event_key, "processed_at": self.clock.now()}
        connection = await self.session.connection()
        result = await connection.execute(_claim(self.dialect == "postgresql"), values)
        return bool(result.rowcount)

    async def event_seen(self, event_key: str) -> bool:
        """True if an event was already processed."""
        row = await self.session.scalar(
            select(ProcessedEventRow.event_key).where(ProcessedEventRow.event_key == event_key)
        )
        return row is not None


@cache
def _claim(postgres: bool) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING into processed_events, built once per dialect."""
    table = ProcessedEventRow.__table__
    assert isinstance(table, Table)
    return (pg_insert if postgres else sqlite_insert)(table).on_conflict_do_nothing()


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
