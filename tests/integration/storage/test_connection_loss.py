"""The database server drops Parvis's connections (a restart): the next interaction still
works, on a new connection, and nothing is half-written (real PostgreSQL)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app import App

pytestmark = pytest.mark.asyncio


#: PostgreSQL only (the shared fixture, one backend): SQLite has no server to lose.
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def drop_connections(url: str) -> int:
    """What a server restart does to the pool: every session of the database ends."""
    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database="postgres"
    )
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                parsed.database,
            )
        )
    finally:
        await admin.close()


@POSTGRES_ONLY
async def test_an_interaction_after_the_connections_were_dropped_is_answered(
    app: App,
    shell,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    alice = shell("alice", "en")
    await alice.say("/language en")
    assert "Commands you can use" in await alice.say("/help")
    assert await drop_connections(database_url) >= 1  # the pooled connection, used just now
    answer = await alice.say("/college add usagers Usagers | Service users")
    assert "✓" in answer, answer
    assert "usagers" in await alice.say("/colleges")


@POSTGRES_ONLY
async def test_connections_idle_for_long_are_checked_before_use(
    app: App,
    shell,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from bot.storage import engine

    monkeypatch.setattr(engine, "IDLE_PING_SECONDS", 0.0)  # every connection counts as idle
    alice = shell("alice", "en")
    await alice.say("/language en")
    assert await drop_connections(database_url) >= 1
    assert "Commands you can use" in await alice.say("/help")
