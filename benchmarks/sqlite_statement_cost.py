"""What one SQLite statement costs through each layer, on the same file, in one process:
the sqlite3 module alone, aiosqlite (a worker-thread hop per call), and SQLAlchemy's async
engine with aiosqlite's worker thread (`PARVIS_SQLITE_THREADED=true`) or with Parvis's
statements on the loop's thread (`bot/storage/sqlite_inline.py`, the default).

    uv run python benchmarks/sqlite_statement_cost.py [--statements 2000] [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

import aiosqlite
from results_file import append_block
from sqlalchemy import text
from telegram_bench_common import machine

from bot.storage.engine import create_engine


async def measure(path: Path, count: int) -> list[tuple[str, float]]:
    """Microseconds per `SELECT 1` through each layer (best of 3)."""

    def sync_sqlite() -> float:
        connection = sqlite3.connect(path)
        started = time.perf_counter()
        for _ in range(count):
            connection.execute("SELECT 1").fetchall()
        connection.close()
        return time.perf_counter() - started

    async def raw_aiosqlite() -> float:
        async with aiosqlite.connect(path) as connection:
            started = time.perf_counter()
            for _ in range(count):
                async with connection.execute("SELECT 1") as cursor:
                    await cursor.fetchall()
            return time.perf_counter() - started

    async def engine(threaded: bool) -> float:
        created = create_engine(f"sqlite+aiosqlite:///{path}", sqlite_threaded=threaded)
        try:
            async with created.connect() as connection:
                await connection.execute(text("SELECT 1"))
                started = time.perf_counter()
                for _ in range(count):
                    await connection.execute(text("SELECT 1"))
                return time.perf_counter() - started
        finally:
            await created.dispose()

    layers = [
        ("sqlite3 alone", lambda: asyncio.to_thread(sync_sqlite)),
        ("aiosqlite (a thread hop per call)", raw_aiosqlite),
        ("SQLAlchemy + aiosqlite's thread (PARVIS_SQLITE_THREADED)", lambda: engine(True)),
        ("SQLAlchemy + statements on the loop (Parvis's default)", lambda: engine(False)),
    ]
    results = []
    for label, run in layers:
        best = min([await run() for _ in range(3)])
        results.append((label, best / count * 1e6))
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = await measure(Path(folder) / "cost.db", options.statements)
    baseline = results[0][1]
    rows = [f"| {label} | {us:.1f} µs | {us / baseline:.0f}× |" for label, us in results]
    print(*rows, sep="\n")
    if options.no_record:
        return
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = [
        f"### Cost of one SQLite statement, by layer — {stamp}",
        "",
        f"Machine: {machine()}.",
        "",
        f"`uv run python benchmarks/sqlite_statement_cost.py --statements {options.statements}`:"
        " `SELECT 1` on one file, best of 3, ratio against sqlite3 alone in the same process.",
        "",
        "| layer | per statement | ratio |",
        "|---|---|---|",
        *rows,
        "",
    ]
    append_block("Storage", "\n".join(block))


if __name__ == "__main__":
    asyncio.run(main())
