"""Scheduler worker processes for the multi-process tests: start one (a module of the test
suite run with `python -m`), wait for it, drop the log table they write; and, inside a
worker, serve until the work is done."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text

from bot.storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]


def start_worker(module: str, url: str, name: str, *options: str) -> subprocess.Popen[str]:
    """`python -m module url name options...` from the repository's root."""
    return subprocess.Popen(
        [sys.executable, "-m", module, url, name, *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def finish(process: subprocess.Popen[str], timeout: float = 90) -> str:
    """The worker's standard output once it exited successfully."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


async def drop_sent_log(db: Database) -> None:
    """Drop the workers' `sent_log` table and close the database."""
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS sent_log"))
    await db.dispose()


async def serve_until_done(
    name: str,
    run: Callable[[asyncio.Event], Awaitable[object]],
    done: Callable[[], Awaitable[bool]],
    stats: Callable[[], str],
    *,
    first_check_after: float = 0.0,
) -> None:
    """In a worker: `run(stop)` until `done()`, printing "started NAME" and
    "done NAME <stats> seconds=S" (the tests read them)."""
    stop = asyncio.Event()

    async def watch() -> None:
        await asyncio.sleep(first_check_after)
        while True:
            if await done():
                stop.set()
                return
            await asyncio.sleep(0.2)

    started = time.monotonic()
    print(f"started {name}", flush=True)
    await asyncio.gather(run(stop), watch())
    print(f"done {name} {stats()} seconds={time.monotonic() - started:.2f}", flush=True)


def worker_parser(lease: float) -> argparse.ArgumentParser:
    """The options every worker takes (database URL, name, scheduler settings)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--in-flight", type=int, default=1)
    parser.add_argument("--lease", type=float, default=lease)
    parser.add_argument("--pause-after-send-ms", type=float, default=0.0)
    return parser
