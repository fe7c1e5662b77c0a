"""Reminder fan-out through Telegram: 5,000 members, the real adapter, the emulator's limits on.

A bot process (the real Telegram adapter + the scheduler, as ``parvis run`` wires them, with a
10 s delivery lease) runs against the Bot API emulator, which enforces Telegram's limits: 30
messages/s overall, 1 per second per private chat, 429 with retry_after beyond. The database
holds N members with a Telegram account, an open poll and its reminder job due now: the job fans
out one delivery per member, each rendered and sent through the real delivery path. Reported:
the rate the emulator saw (first to last message) against the 30/s ceiling, members who got no
reminder (lost) and extra reminders (duplicated), 429 answers. ``--kill-at N`` SIGKILLs the bot
after N messages and starts it again at once.

    uv run python benchmarks/scheduling_telegram.py [--members 5000] [--db sqlite|postgres]
        [--kill-at 2500] [--in-flight 2] [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import timedelta

from sqlalchemy import select
from telegram_bench_common import (
    ROOT,
    BotProcess,
    child_env,
    machine,
    open_app,
    scratch_database,
)

from bot.scheduling.dispatcher import DispatcherConfig
from bot.storage.tables import IdentityRow
from tests.integration.jobs.reminder_worker import populate
from tests.telegram_emulator import TelegramEmulator

FIRST = 100_001
CEILING = 30.0
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Scheduling"


async def serve(in_flight: int) -> None:
    """The bot process: Telegram adapter + scheduler, until SIGTERM (or SIGKILL)."""
    from bot.app import build_app, run_services
    from bot.jobs.service import scheduling_runner
    from bot.logging_setup import setup_logging
    from bot.platforms.telegram.adapter import run_telegram
    from bot.settings import Settings

    config = DispatcherConfig(
        max_in_flight=in_flight,
        delivery_lease=timedelta(seconds=10),
        send_timeout=timedelta(seconds=5),
        batch=20,
    )
    settings = Settings()
    setup_logging(settings.log_level, settings.log_format)
    app = await build_app(settings)
    if os.environ.get("BENCH_DUMP"):
        import faulthandler

        faulthandler.dump_traceback_later(12, repeat=False)

        async def tasks() -> None:
            await asyncio.sleep(10)
            for task in asyncio.all_tasks():
                task.print_stack(limit=6)

        asyncio.get_running_loop().create_task(tasks())
    await run_services(app, [run_telegram, scheduling_runner(frozenset({"telegram"}), config)])


async def unfinished(url: str) -> int:
    """Deliveries and jobs not finished yet."""
    from sqlalchemy import func, select

    from bot.core.clock import SystemClock
    from bot.storage.engine import create_engine
    from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
    from bot.storage.uow import Database

    db = Database(create_engine(url), SystemClock())
    try:
        async with db.uow() as uow:
            total = 0
            for table in (DeliveryRow, ScheduledJobRow):
                query = (
                    select(func.count())
                    .select_from(table)
                    .where(table.state.in_(("pending", "claimed")))
                )
                if table is ScheduledJobRow:  # not the poll's later jobs (close, ...)
                    query = query.where(table.due_at <= uow.clock.now())
                total += int(await uow.session.scalar(query) or 0)
        return total
    finally:
        await db.dispose()


async def delivery_states(url: str) -> dict[str, int]:
    """How many deliveries ended in each state (and the errors of those not sent)."""
    from sqlalchemy import func

    from bot.core.clock import SystemClock
    from bot.storage.engine import create_engine
    from bot.storage.schedule_tables import DeliveryRow
    from bot.storage.uow import Database

    db = Database(create_engine(url), SystemClock())
    try:
        async with db.uow() as uow:
            rows = await uow.session.execute(
                select(DeliveryRow.state, DeliveryRow.error, func.count()).group_by(
                    DeliveryRow.state, DeliveryRow.error
                )
            )
            return {f"{state} {error or ''}".strip(): int(n) for state, error, n in rows}
    finally:
        await db.dispose()


async def run(args: argparse.Namespace) -> dict[str, float]:
    async with scratch_database(args.db) as url:
        app = await open_app(url)
        async with app.db.uow() as uow:
            await populate(
                uow, app.organisation.id, args.members, "telegram", lambda m: str(FIRST + m)
            )
            await uow.commit()
        async with app.db.uow() as uow:
            keys = list(await uow.session.scalars(select(IdentityRow.user_key)))
        await app.close()
        emu = TelegramEmulator(token="5252:AAE-scheduling-bench", username="parvis_sched_bot")
        await emu.start()
        env = child_env(emu, url)
        env["PARVIS_LOG_LEVEL"] = os.environ.get("PARVIS_BENCH_LOG", "WARNING")
        argv = [str(ROOT / "benchmarks" / "scheduling_telegram.py"), "--serve",
                "--in-flight", str(args.in_flight)]  # fmt: skip
        started = time.monotonic()
        try:
            bot = await BotProcess.start(argv, env, emu)
            if args.kill_at:
                await emu.wait_for(lambda: len(emu.state.send_times) >= args.kill_at, timeout=900)
                bot.process.kill()
                await bot.process.wait()
                bot = await BotProcess.start(argv, env, emu)
            deadline = time.monotonic() + args.members / 10 + 300
            while left := await unfinished(url):
                if time.monotonic() > deadline:
                    raise TimeoutError("the fan-out did not finish")
                if args.verbose:
                    print(f"{len(emu.state.send_times)} sent, {left} left", flush=True)
                await asyncio.sleep(1)
            await bot.stop()
            wall = time.monotonic() - started
            states = await delivery_states(url)
            if args.verbose:
                print(states, flush=True)
            stats = emu.stats()
            counts = [len(emu.sent_to(int(key))) for key in keys]
            return {
                "rate": stats.sends_per_second,
                "max_in_1s": stats.max_sends_in_1s,
                "sends": stats.sends,
                "lost": sum(1 for c in counts if c == 0),
                "duplicated": sum(c - 1 for c in counts if c > 1),
                "too_many": stats.too_many_requests,
                "wall": wall,
            }
        finally:
            await emu.stop()


def record(line: str) -> None:
    """Append a block under the Scheduling section of RESULTS.md."""
    content = RESULTS.read_text("utf-8")
    lines = content.split("\n")
    start = lines.index(SECTION)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    marker = "### Reminder fan-out through the Telegram emulator"
    if marker not in content:
        block = [
            "",
            marker,
            "",
            "`benchmarks/scheduling_telegram.py`: N members with a Telegram account, an open poll"
            " and its reminder job due now; a bot process (real Telegram adapter + scheduler,"
            " delivery lease 10 s) against the Bot API emulator with Telegram's limits on (30/s"
            " overall, 1/s per private chat, 429 beyond). Rate = messages seen by the emulator /"
            " (last − first). Lost = members without a reminder; duplicated = extra reminders.",
            "",
            "| date | machine | db | members | in-flight | kill | rate msg/s | % of 30/s |"
            " most in 1 s | lost | duplicated | 429 | wall s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        while end > start and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = block
        end += len(block)
    else:
        table_end = lines.index(marker) + 7
        while table_end < len(lines) and lines[table_end].startswith("|"):
            table_end += 1
        end = table_end
    lines.insert(end, line)
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--kill-at", type=int, default=0)
    parser.add_argument("--in-flight", type=int, default=2)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.in_flight))
        return
    r = asyncio.run(run(args))
    from datetime import UTC, datetime

    kill = f"after {args.kill_at}" if args.kill_at else "no"
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {machine()} | {args.db} | {args.members} | "
        f"{args.in_flight} | {kill} | {r['rate']:.2f} | {r['rate'] / CEILING:.1%} | "
        f"{r['max_in_1s']:.0f} | {r['lost']:.0f} | {r['duplicated']:.0f} | {r['too_many']:.0f} | "
        f"{r['wall']:.0f} |"
    )
    print(line)
    if not args.no_record:
        record(line)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
