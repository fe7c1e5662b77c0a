"""Real SQLite and real PostgreSQL databases, migrated with Alembic, for tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage import migrations
from bot.storage.models import metadata

PG_ADMIN_URL = os.environ.get(
    "TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def pg_available() -> bool:
    """True when PostgreSQL answers (CI starts it; a developer may not have it)."""

    async def probe() -> bool:
        engine = create_async_engine(PG_ADMIN_URL)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(probe())


def pg_url(database: str) -> str:
    """URL of a database on the test server."""
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


async def create_pg_database(name: str) -> str:
    """Create an empty PostgreSQL database; returns its URL."""
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return pg_url(name)


async def drop_pg_database(name: str) -> None:
    """Drop a test database."""
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def unique_name(prefix: str = "parvis_test") -> str:
    """A database name unique to this run."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


class SqliteTemplate:
    """A migrated SQLite file copied for each test (migrating once is the slow part)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        migrations.upgrade(f"sqlite+aiosqlite:///{self.path}")

    def fresh(self, folder: Path) -> str:
        """A new database file, already migrated."""
        target = folder / f"test-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.path, target)
        return f"sqlite+aiosqlite:///{target}"


async def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL test database."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def start_postgres_if_down() -> None:
    """Start the machine's cluster when it is down (as CI does)."""
    if pg_available():
        return
    clusters = os.listdir("/etc/postgresql") if os.path.isdir("/etc/postgresql") else []
    if clusters:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "start"],
            check=False,
        )


def record_statements(engine: AsyncEngine) -> list[str]:
    """A list that receives the SQL of every statement `engine` runs from now on."""
    statements: list[str] = []
    event.listen(
        engine.sync_engine,
        "before_cursor_execute",
        lambda _conn, _cursor, sql, *_rest: statements.append(sql),
    )
    return statements
