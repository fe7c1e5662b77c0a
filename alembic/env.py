"""Alembic environment: async engine, batch mode, SQLite foreign keys OFF while migrating."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, pool, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context
from bot.settings import Settings
from bot.storage.models import metadata

config = context.config
URL = config.get_main_option("sqlalchemy.url") or Settings().database_url


def do_run_migrations(connection: Connection) -> None:
    """Run migrations on a connection (batch mode everywhere, for portable scripts)."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.dialect.name == "sqlite":
        problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if problems:
            raise RuntimeError(f"foreign key problems after migration: {problems[:5]}")


async def run_async_migrations() -> None:
    """Migrate with a dedicated engine (never the app's, which turns foreign keys on)."""
    url = make_url(URL)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(URL, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_off(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL instead of running it."""
    context.configure(url=URL, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
