"""Two bot processes on one PostgreSQL database, 1,000 due reminders through the real delivery
path (job fan-out, member lookup, composer, rendering): every member gets exactly one. A process
killed with SIGKILL in the middle of the fan-out, then restarted: nobody is skipped, and
duplicates stay within the documented window (``max_in_flight`` of the killed process)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import pytest

from tests.integration.jobs.reminder_worker import seed, sends_per_member
from tests.integration.scheduling.fanout_worker import count_sent
from tests.integration.worker_processes import drop_sent_log, finish, start_worker

MEMBERS = 1000
pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


def start(url: str, name: str, *options: str) -> subprocess.Popen[str]:
    return start_worker("tests.integration.jobs.reminder_worker", url, name, *options)


async def test_two_processes_remind_each_member_exactly_once(database_url: str) -> None:
    db = await seed(database_url, MEMBERS)
    try:
        first = start(database_url, "p1", "--in-flight", "2")
        second = start(database_url, "p2", "--in-flight", "2")
        outputs = [finish(first), finish(second)]
        sends = await sends_per_member(db)
        assert len(sends) == MEMBERS, ("somebody was skipped", outputs)
        assert max(sends.values()) == 1, [m for m, n in sends.items() if n > 1]
        assert all("sent=" in out for out in outputs)
        shares = [int(out.split("sent=")[1].split()[0]) for out in outputs]
        assert min(shares) > 0, shares  # both processes sent
    finally:
        await drop_sent_log(db)


async def test_a_process_killed_mid_fan_out_skips_nobody(database_url: str) -> None:
    db = await seed(database_url, MEMBERS)
    try:
        options = ("--lease", "2", "--in-flight", "1")
        victim = start(database_url, "victim", *options, "--pause-after-send-ms", "10")
        deadline = time.monotonic() + 60
        while await count_sent(db) < MEMBERS // 10:
            assert time.monotonic() < deadline
            assert victim.poll() is None, victim.communicate()[1][-2000:]
            await asyncio.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert await count_sent(db) < MEMBERS
        restarted = start(database_url, "restarted", "--lease", "2", "--in-flight", "2")
        other = start(database_url, "other", "--lease", "2", "--in-flight", "2")
        finish(restarted)
        finish(other)
        sends = await sends_per_member(db)
        assert len(sends) == MEMBERS, "somebody was skipped"
        duplicates = {m: n for m, n in sends.items() if n > 1}
        assert sum(n - 1 for n in duplicates.values()) <= 1, duplicates  # max_in_flight = 1
    finally:
        await drop_sent_log(db)
