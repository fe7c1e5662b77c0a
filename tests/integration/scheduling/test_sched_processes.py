"""Two OS processes on one database fan out 1,000 deliveries: exactly one message each.

And a process killed with SIGKILL in the middle of the fan-out, then restarted: nobody is
skipped, and duplicates stay within the documented window (``max_in_flight`` messages of the
killed process, i.e. one by default).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.storage.schedule_tables import DeliveryRow
from bot.storage.uow import Database
from tests.integration.scheduling.fanout_worker import (
    count_sent,
    seed,
    sends_per_delivery,
    sent_log,
)
from tests.integration.worker_processes import drop_sent_log, finish, start_worker

RECIPIENTS = 1000
pytestmark = pytest.mark.slow


def start(url: str, name: str, *options: str) -> subprocess.Popen[str]:
    return start_worker("tests.integration.scheduling.fanout_worker", url, name, *options)


async def states(db: Database) -> Counter[str]:
    async with db.uow() as uow:
        result = await uow.session.execute(
            select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state)
        )
        return Counter(dict(result.all()))


async def test_two_processes_send_each_delivery_exactly_once(database_url: str) -> None:
    db = await seed(database_url, RECIPIENTS)
    try:
        options = ("--workers", "4", "--in-flight", "4", "--lease", "10", "--fail-rate", "0.03")
        first, second = start(database_url, "p1", *options), start(database_url, "p2", *options)
        outputs = [finish(first), finish(second)]
        sends = await sends_per_delivery(db)
        assert len(sends) == RECIPIENTS, "somebody was skipped"
        assert max(sends.values()) == 1, f"sent twice: {[d for d, n in sends.items() if n > 1]}"
        assert await states(db) == Counter({"sent": RECIPIENTS})
        async with db.engine.connect() as conn:
            by_worker = dict(
                (
                    await conn.execute(
                        select(sent_log.c.worker, func.count()).group_by(sent_log.c.worker)
                    )
                ).all()
            )
        assert set(by_worker) == {"p1", "p2"}, (by_worker, outputs)
    finally:
        await drop_sent_log(db)


async def test_a_process_killed_mid_fan_out_skips_nobody(database_url: str) -> None:
    db = await seed(database_url, RECIPIENTS)
    try:
        # A slow first process, mostly between "sent" and "marked" when it is killed.
        options = ("--workers", "4", "--lease", "2", "--fail-rate", "0", "--in-flight", "1")
        victim = start(database_url, "victim", *options, "--pause-after-send-ms", "10")
        deadline = time.monotonic() + 30
        while await count_sent(db) < RECIPIENTS // 20:
            assert time.monotonic() < deadline, victim.stderr.read() if victim.stderr else ""
            assert victim.poll() is None
            await asyncio.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert await count_sent(db) < RECIPIENTS
        assert (await states(db))["claimed"] > 0  # claims left behind, retaken after the lease
        # The survivors hold their claims long enough that a slow commit under load is not
        # mistaken for a crash (their lease is theirs; the victim's 2 s claims expire anyway).
        faster = ("--workers", "4", "--lease", "60", "--fail-rate", "0", "--in-flight", "4")
        restarted = start(database_url, "restarted", *faster)
        other = start(database_url, "other", *faster)
        finish(restarted)
        finish(other)
        sends = await sends_per_delivery(db)
        assert len(sends) == RECIPIENTS, "somebody was skipped"
        duplicates = {d: n for d, n in sends.items() if n > 1}
        assert sum(n - 1 for n in duplicates.values()) <= 1, duplicates  # max_in_flight = 1
        assert await states(db) == Counter({"sent": RECIPIENTS})
    finally:
        await drop_sent_log(db)
