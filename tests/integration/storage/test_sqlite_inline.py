"""SQLite on the event loop's thread: a write that finds the database locked waits on a
worker thread, whoever holds the lock (another coroutine of this process, or another
process), and the loop keeps running meanwhile."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import create_engine
from bot.storage.sqlite_inline import background_statements
from tests.support.loop import Ticker

pytestmark = pytest.mark.asyncio


@pytest.fixture(params=[False, True], ids=["inline", "threaded"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    created = create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}", sqlite_threaded=request.param
    )
    async with created.begin() as conn:
        await conn.execute(text("CREATE TABLE marks (who TEXT, at REAL)"))
    yield created
    await created.dispose()


async def test_a_writer_waits_for_another_coroutine_holding_the_lock(engine: AsyncEngine) -> None:
    holding = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO marks VALUES ('first', 0)"))  # write lock
            holding.set()
            await asyncio.sleep(0.3)  # a real await while holding it
            order.append("first commits")

    async def second() -> None:
        await holding.wait()
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO marks VALUES ('second', 0)"))
            order.append("second wrote")

    stop, ticker = asyncio.Event(), Ticker()
    ticking = asyncio.create_task(ticker.run(stop))
    await asyncio.wait_for(asyncio.gather(first(), second()), timeout=10)
    stop.set()
    await ticking
    assert order == ["first commits", "second wrote"]
    assert ticker.longest_gap() < 0.2, "the event loop stalled while the second writer waited"
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM marks"))) == 2


HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO marks VALUES ('other process', 0)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


async def test_a_writer_waits_for_another_process_holding_the_lock(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    holder = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", HOLDER, str(tmp_path / "lock.db"), "0.5"),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"locked"
        stop, ticker = asyncio.Event(), Ticker()
        ticking = asyncio.create_task(ticker.run(stop))
        await asyncio.sleep(0.05)  # ticking before the write starts
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO marks VALUES ('parvis', 1)"))
        waited = time.monotonic() - started
        stop.set()
        await ticking
    finally:
        await asyncio.wait_for(holder.wait(), 10)
    assert waited >= 0.2, "the write cannot have happened while the other process held the lock"
    assert ticker.longest_gap() < 0.2, "the event loop stalled while waiting for the lock"
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT who FROM marks ORDER BY rowid"))).scalars()
        assert list(rows) == ["other process", "parvis"]


async def test_a_statement_error_is_reported_and_changes_nothing(engine: AsyncEngine) -> None:
    with pytest.raises(Exception, match="no such table"):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO marks VALUES ('kept?', 0)"))
            await conn.execute(text("INSERT INTO missing VALUES (1)"))
    async with engine.connect() as conn:
        assert (await conn.scalar(text("SELECT count(*) FROM marks"))) == 0


#: Most of a second of work inside SQLite (a recursive count to four million).
SLOW_QUERY = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) "
    "SELECT count(*) FROM c"
)


async def longest_stall_during(engine: AsyncEngine) -> float:
    """The longest the loop stopped while a slow query ran."""
    stop, ticker = asyncio.Event(), Ticker()
    ticking = asyncio.create_task(ticker.run(stop))
    await asyncio.sleep(0.03)
    async with engine.connect() as conn:
        assert await conn.scalar(SLOW_QUERY) == 4_000_000
    stop.set()
    await ticking
    return ticker.longest_gap()


async def test_background_statements_leave_the_loop_free(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}")
    try:
        assert await longest_stall_during(engine) > 0.2  # on the loop, the query holds it
        with background_statements():
            assert await longest_stall_during(engine) < 0.2
    finally:
        await engine.dispose()
