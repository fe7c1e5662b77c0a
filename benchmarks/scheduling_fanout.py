"""Fan-out benchmark: N deliveries through a sender limited to R messages/s (token bucket).

Runs the dispatcher in a separate OS process (``tests/integration/scheduling/fanout_worker``)
on a fresh database, with a sender that records every message in a table without a unique key.
Reports the achieved rate (first to last message), lost and duplicated messages; optionally
kills the process with SIGKILL halfway and restarts it (``--kill-halfway``).

    uv run python benchmarks/scheduling_fanout.py                      # SQLite, 5,000 at 30/s
    uv run python benchmarks/scheduling_fanout.py --pg --latency-ms 40 --in-flight 2 --record

This is the platform-independent part. The real benchmark goes through the Telegram emulator
with Telegram's limits switched on, once the adapters expose Messengers and the lead's
DeliverySender renders and sends through them (see docs/scheduling.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.storage import migrations  # noqa: E402
from tests.integration.scheduling.fanout_worker import (  # noqa: E402
    count_sent,
    seed,
    sends_per_delivery,
    sent_log,
)
from tests.support import databases  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Scheduling"


def worker(url: str, name: str, args: argparse.Namespace) -> subprocess.Popen[str]:
    """Start one dispatcher process."""
    options = [
        "--rate", str(args.rate), "--latency-ms", str(args.latency_ms), "--delay-ms", "0",
        "--fail-rate", str(args.fail_rate), "--in-flight", str(args.in_flight),
        "--workers", str(args.workers), "--batch", str(args.batch), "--lease", str(args.lease),
    ]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.scheduling.fanout_worker", url, name, *options],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def run(url: str, args: argparse.Namespace) -> dict[str, float | int | str]:
    """One benchmark run on a migrated, empty database."""
    db = await seed(url, args.count)
    started = time.monotonic()
    first = worker(url, "first", args)
    killed_at = 0
    if args.kill_halfway:
        while (sent := await count_sent(db)) < args.count // 2:
            if first.poll() is not None:
                raise RuntimeError(first.stderr.read() if first.stderr else "worker died")
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = sent
        first = worker(url, "restarted", args)
    _, err = first.communicate(timeout=args.count / max(args.rate, 1) * 3 + 120)
    if first.returncode != 0:
        raise RuntimeError(err[-3000:])
    wall = time.monotonic() - started
    sends = await sends_per_delivery(db)
    async with db.engine.connect() as conn:
        first_at, last_at = (
            await conn.execute(select(func.min(sent_log.c.at), func.max(sent_log.c.at)))
        ).one()
        await conn.execute(text("DROP TABLE IF EXISTS sent_log"))
        await conn.commit()
    await db.dispose()
    span = (last_at - first_at) if first_at is not None else 0.0
    delivered = sum(sends.values())
    return {
        "deliveries": args.count,
        "sent_messages": delivered,
        "lost": args.count - len(sends),
        "duplicated": sum(n - 1 for n in sends.values()),
        "rate": round((delivered - 1) / span, 2) if span else 0.0,
        "ceiling": args.rate,
        "wall_s": round(wall, 1),
        "killed_after": killed_at,
    }


def machine() -> str:
    """A one-line description of where the numbers were measured."""
    cpus = os.cpu_count()
    return (
        f"{platform.system()} {platform.release()}, {cpus} CPU, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def record(line: str, header: str) -> None:
    """Append a result row under the Scheduling section of RESULTS.md."""
    content = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if SECTION not in content:
        content = content.rstrip("\n") + f"\n\n{SECTION}\n\n{header}\n"
    lines = content.split("\n")
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start and not lines[end - 1].strip():
        end -= 1
    lines.insert(end, line)
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n", "utf-8")


HEADER = (
    "| date | machine | db | deliveries | ceiling msg/s | latency ms | in-flight | "
    "kill halfway | achieved msg/s | % of ceiling | lost | duplicated | wall s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--in-flight", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--lease", type=float, default=10.0)
    parser.add_argument("--kill-halfway", action="store_true")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL at TEST_PG_URL")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()

    if args.pg:
        name = databases.unique_name("parvis_bench")
        url = asyncio.run(databases.create_pg_database(name))
    else:
        folder = tempfile.mkdtemp(prefix="parvis-bench-")
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
    try:
        migrations.upgrade(url)
        result = asyncio.run(run(url, args))
    finally:
        if args.pg:
            asyncio.run(databases.drop_pg_database(name))
    print(result)
    share = 100 * float(result["rate"]) / args.rate if args.rate else 0.0
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {machine()} | {'PostgreSQL' if args.pg else 'SQLite'}"
        f" | {args.count} | {args.rate:g} | {args.latency_ms:g} | {args.in_flight} | "
        f"{'yes (after ' + str(result['killed_after']) + ')' if args.kill_halfway else 'no'} | "
        f"{result['rate']} | {share:.1f} % | {result['lost']} | {result['duplicated']} | "
        f"{result['wall_s']} |"
    )
    print(line)
    if args.record:
        record(line, HEADER)


if __name__ == "__main__":
    main()
