"""Engine creation: SQLite pragmas (WAL, foreign keys) or PostgreSQL through asyncpg."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.sqlite_inline import BUSY_TIMEOUT_MS, inline_creator


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
    if pool_size is not None:
        kwargs["pool_size"] = pool_size
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


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
