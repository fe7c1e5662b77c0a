"""Engine creation: SQLite pragmas (WAL, foreign keys) or PostgreSQL through asyncpg."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.sqlite_inline import BUSY_TIMEOUT_MS, inline_creator

IDLE_PING_SECONDS = 10.0
DEFAULT_PG_POOL = 20
PG_POOL_OVERFLOW = 10


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int | None = None,
    sqlite_threaded: bool = False,
) -> AsyncEngine:
    """Create the application's engine; for SQLite, make the data folder and set pragmas.

    SQLite statements run on the event loop's thread (`bot.storage.sqlite_inline`) unless
    `sqlite_threaded` asks for aiosqlite's worker thread.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        if sqlite_threaded:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            kwargs["async_creator"] = inline_creator(database)
        engine = create_async_engine(url, **kwargs)
        pragmas = _sqlite_pragmas if sqlite_threaded else _sqlite_inline_pragmas
        event.listen(engine.sync_engine, "connect", pragmas)
        return engine
    # Connections kept open: enough for every update handled at once (Telegram's
    # concurrent_updates, 16 by default), the scheduler's workers and the adapters' own work.
    # SQLAlchemy's default (5, plus 10 opened and closed again on demand) made every
    # transaction beyond the fifth open a new server connection under load.
    kwargs["pool_size"] = pool_size if pool_size is not None else DEFAULT_PG_POOL
    kwargs["max_overflow"] = PG_POOL_OVERFLOW
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only if it sat idle for a while.

    SQLAlchemy's `pool_pre_ping` pings before *every* use: one more round trip per
    transaction, about a tenth of a vote's. A connection handed back less than
    `IDLE_PING_SECONDS` ago is used as is; if the server went away meanwhile, the statement
    fails as a disconnection, SQLAlchemy drops the whole pool, and the dispatcher runs the
    interaction again on a new connection (`Dispatcher.handle`).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkin")
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:  # the pool replaces the connection and tries again
            raise exc.DisconnectionError(str(error)) from error


def _sqlite_inline_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
    _sqlite_inline_pragmas(dbapi_conn, record)
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded rows usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"
