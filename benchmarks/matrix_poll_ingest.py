"""Ingestion of native Matrix poll responses: throughput and completeness.

Starts a throwaway Synapse on 127.0.0.1 (tests/matrix_harness), Parvis's real app (SQLite
and/or PostgreSQL on 127.0.0.1) with the real Matrix adapter, a group room, and voters who
are members. Polls are posted with `!poll post`'s code path, and voters' real nio clients
send MSC3381 responses (unstable and stable forms, alternating) from a separate process, so
the bot's process does only the bot's work. Two workloads of `--responses` responses each:

* distinct: every response is a new ballot (`--voters` voters × polls, one answer each);
* changes: `--voters` voters answer one poll, each changing their answer many times (only the
  latest counts, so the bot may skip answers replaced within one sync).

and two modes:

* live: the bot is running while the responses are sent; throughput = responses / (last
  response settled − first send), bounded by Synapse's send rate (reported as well);
* backlog: the bot is stopped while they are sent, then started: throughput = responses /
  (settled − restart), Parvis's own ingestion rate (sync, back-fill, ballots).

Completeness is checked every time: every response reached the bot exactly once, the ballot
box holds each voter's last answer once per poll, the participation register one line each.

    uv run python benchmarks/matrix_poll_ingest.py [--responses 1000] [--voters 100]
        [--db sqlite|postgres|both] [--no-record]

Results are appended to benchmarks/RESULTS.md under the "Matrix" heading.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import append_block  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.members.service import MembersService  # noqa: E402
from bot.platforms.matrix import polls  # noqa: E402
from bot.platforms.matrix.adapter import MatrixAdapter  # noqa: E402
from bot.platforms.matrix.config import MatrixConfig  # noqa: E402
from bot.platforms.matrix.room_polls import RoomPollStats  # noqa: E402
from bot.polls.model import PollSpec, ResultsVisibility, Secrecy  # noqa: E402
from bot.polls.questions import new_question  # noqa: E402
from bot.polls.service import PollsService  # noqa: E402
from bot.settings import OrganisationDefaults, Settings  # noqa: E402
from bot.storage import migrations  # noqa: E402
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow  # noqa: E402
from tests.matrix_harness import MatrixUser, SynapseServer  # noqa: E402
from tests.matrix_harness.clients import make_client  # noqa: E402

OPTIONS = ("Red", "Green", "Blue", "Ink")
#: Responses in flight per sending process (Synapse is the limit well before this).
IN_FLIGHT = 40


# --- the sending process ---------------------------------------------------------------------


def warm() -> None:
    """Nothing: starts the sending process before anything is timed."""


def answers_for(voter: int, change: int) -> list[str]:
    """A voter's answers at one change: never twice the same in a row."""
    mask = (voter * 7 + change) % 15 + 1
    return [f"a{bit + 1}" for bit in range(4) if mask & (1 << bit)]


def send_all(
    base_url: str, users: list[dict[str, str]], room: str, plan: list[Any]
) -> tuple[float, float]:
    """In a child process: send `plan` [(voter, poll event, change)] in order per voter and
    poll (different voters and polls in parallel); returns the wall-clock times of the first
    send and of the last answer from Synapse."""
    return asyncio.run(_send_all(base_url, users, room, plan))


async def _send_all(
    base_url: str, users: list[dict[str, str]], room: str, plan: list[Any]
) -> tuple[float, float]:
    clients = [await make_client(base_url, MatrixUser(**user)) for user in users]
    streams: dict[tuple[int, str], list[int]] = {}
    for voter, event_id, change in plan:
        streams.setdefault((voter, event_id), []).append(change)
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def stream(voter: int, event_id: str, changes: list[int]) -> None:
        for change in changes:
            stable = (voter + change) % 2 == 0
            relates = {"rel_type": "m.reference", "event_id": event_id}
            chosen = answers_for(voter, change)
            if stable:
                kind, content = polls.STABLE_RESPONSE, {"m.relates_to": relates}
                content["m.selections"] = chosen
            else:
                kind = polls.RESPONSE
                content = {"m.relates_to": relates, polls.RESPONSE: {"answers": chosen}}
            async with gate:
                sent = await clients[voter].room_send(room, kind, content)
            if not hasattr(sent, "event_id"):
                raise RuntimeError(f"send failed: {sent}")

    started = time.time()
    try:
        await asyncio.gather(*(stream(v, e, c) for (v, e), c in streams.items()))
        return started, time.time()
    finally:
        for client in clients:
            await client.close()


# --- the bot's side --------------------------------------------------------------------------


@dataclass
class Outcome:
    """One measured run."""

    db: str
    workload: str
    mode: str
    responses: int
    ballots: int
    seconds: float
    send_seconds: float
    counted: int
    superseded: int
    complete: bool

    @property
    def rate(self) -> float:
        """Responses ingested per second."""
        return self.responses / self.seconds


class Bench:
    """Synapse, the app, the adapter, the room and its voters."""

    def __init__(self, server: SynapseServer, workdir: Path, voters: int) -> None:
        self.server = server
        self.workdir = workdir
        self.voter_count = voters
        self.app: App | None = None
        self.adapter: MatrixAdapter | None = None
        self.task: asyncio.Task[None] | None = None
        self.stop_event = asyncio.Event()
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))

    async def set_up(self, db_url: str, tag: str) -> None:
        self.app = await build_app(
            Settings(database_url=db_url, organisation=OrganisationDefaults(slug="bench")),
        )
        server = self.server
        self.bot = server.register(f"parvis-{tag}", "parvis-pw")
        self.admin = server.register(f"admin-{tag}", "admin-pw")
        self.voters = [
            server.register(f"voter-{tag}-{i}", "voter-pw") for i in range(self.voter_count)
        ]
        owner = await make_client(server.base_url, self.admin)
        from nio import RoomPreset

        created = await owner.room_create(preset=RoomPreset.public_chat, invite=[self.bot.user_id])
        self.room = str(created.room_id)  # type: ignore[union-attr]
        await owner.close()
        clients = [await make_client(server.base_url, v) for v in self.voters]
        await asyncio.gather(*(c.join(self.room) for c in clients))
        for client in clients:
            await client.close()
        async with self.app.db.uow() as uow:
            members = MembersService(uow, self.app.organisation)
            self.admin_member = await members.bootstrap_admin(
                "matrix", self.admin.user_id, "Admin", "en"
            )
            self.member_ids = [
                (await members.add_plain_member("matrix", v.user_id, f"v{i}", "en")).id
                for i, v in enumerate(self.voters)
            ]
            await uow.commit()
        self.config = MatrixConfig(
            homeserver=server.base_url,
            user_id=self.bot.user_id,
            password=self.bot.password,
            store_path=self.workdir / f"store-{tag}",
            group_rooms=frozenset({self.room}),
        )
        await self.start()
        deadline = time.monotonic() + 30
        while self.room not in self.adapter.client.nio.rooms:  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not join the room")
            await asyncio.sleep(0.02)

    async def start(self) -> float:
        """Start the adapter; returns the (wall-clock) time it was started at."""
        assert self.app is not None
        self.adapter = MatrixAdapter(self.app, self.config)
        self.stop_event = asyncio.Event()
        started = time.time()
        self.task = asyncio.create_task(self.adapter.run(self.stop_event))
        await asyncio.wait_for(self.adapter.ready.wait(), 60)
        return started

    async def stop(self) -> None:
        self.stop_event.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)

    async def post_polls(self, count: int) -> dict[str, int]:
        """Open `count` polls and post them in the room: poll event id -> poll id."""
        assert self.app is not None and self.adapter is not None
        posted: dict[str, int] = {}
        question = new_question("Which colours?", "multiple", list(OPTIONS))
        for n in range(count):
            spec = PollSpec(
                title=f"Colours {n + 1}",
                secrecy=Secrecy.NOMINATIVE,
                visibility=ResultsVisibility.LIVE,
                questions=(question,),
            )
            async with self.app.db.uow() as uow:
                service = PollsService(uow, self.app.organisation)
                poll = await service.create(self.admin_member, spec)
                poll = await service.open(self.admin_member, poll.id)
                await uow.commit()
            event_id = await self.adapter.room_polls.post(poll, self.room, self.admin_member.id)
            posted[event_id] = poll.id
        return posted

    async def settled(self, count: int, timeout: float = 600) -> float:  # noqa: ASYNC109
        """Wait until `count` responses are settled and the workers idle; the time then."""
        assert self.adapter is not None
        adapter = self.adapter
        deadline = time.monotonic() + timeout
        while adapter.room_polls.stats.settled < count or adapter.workers.busy:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {adapter.room_polls.stats} after {timeout} s")
            await asyncio.sleep(0.005)
        return time.time()

    async def box(self, poll_ids: list[int]) -> tuple[dict[tuple[int, int | None], str], int]:
        """(poll, member) -> answer, and the register's line count, for these polls."""
        assert self.app is not None
        async with self.app.db.uow() as uow:
            rows = list(
                await uow.session.execute(
                    select(BallotRow.poll_id, BallotRow.member_id, AnswerRow.value)
                    .join(AnswerRow, AnswerRow.ballot_id == BallotRow.id)
                    .where(BallotRow.poll_id.in_(poll_ids))
                )
            )
            signed = await uow.session.scalar(
                select(func.count())
                .select_from(ParticipationRow)
                .where(ParticipationRow.poll_id.in_(poll_ids))
            )
        box = {(p, m): v or "" for p, m, v in rows}
        if len(box) != len(rows):
            raise AssertionError("a member has two ballots in one poll")
        return box, int(signed or 0)

    async def run(self, db: str, workload: str, mode: str, responses: int) -> Outcome:
        """Post the polls, send the responses, measure, check completeness."""
        assert self.adapter is not None
        voters = self.voter_count
        if workload == "distinct":
            poll_count, changes = max(1, responses // voters), 1
        else:
            poll_count, changes = 1, max(1, responses // voters)
        posted = await self.post_polls(poll_count)
        plan = [
            (voter, event_id, change)
            for voter in range(voters)
            for event_id in posted
            for change in range(changes)
        ]
        total = len(plan)
        users = [
            {
                "user_id": v.user_id,
                "access_token": v.access_token,
                "device_id": v.device_id,
                "password": v.password,
            }
            for v in self.voters
        ]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.pool, warm)
        before = replace(self.adapter.room_polls.stats)
        if mode == "backlog":
            await self.stop()
        first, last = await loop.run_in_executor(
            self.pool, send_all, self.server.base_url, users, self.room, plan
        )
        started = first
        if mode == "backlog":
            started = await self.start()
            before = RoomPollStats()
        finished = await self.settled(before.settled + total)
        now = self.adapter.room_polls.stats
        expected = {
            (poll_id, self.member_ids[voter]): ",".join(
                "ABCD"[int(a[1:]) - 1] for a in answers_for(voter, changes - 1)
            )
            for voter in range(voters)
            for poll_id in posted.values()
        }
        box, signed = await self.box(list(posted.values()))
        received = now.received - before.received
        counted, superseded = now.counted - before.counted, now.superseded - before.superseded
        complete = (
            received == total
            and box == expected
            and signed == len(expected)
            and now.ignored == before.ignored
        )
        outcome = Outcome(
            db,
            workload,
            mode,
            total,
            len(box),
            finished - started,
            last - first,
            counted,
            superseded,
            complete,
        )
        print(outcome, f"{outcome.rate:.0f} responses/s", flush=True)
        return outcome


async def bench_database(
    db: str, db_url: str, server: SynapseServer, workdir: Path, voters: int, responses: int
) -> list[Outcome]:
    bench = Bench(server, workdir, voters)
    await asyncio.to_thread(migrations.upgrade, db_url)
    outcomes = []
    try:
        await bench.set_up(db_url, db)
        for workload in ("distinct", "changes"):
            for mode in ("live", "backlog"):
                outcomes.append(await bench.run(db, workload, mode, responses))
        await bench.stop()
    finally:
        bench.pool.shutdown()
        if bench.app is not None:
            await bench.app.close()
    return outcomes


async def postgres_url() -> tuple[str, Any]:
    """A fresh PostgreSQL database on 127.0.0.1 (dropped by the returned coroutine)."""
    from tests.support import databases

    await asyncio.to_thread(databases.start_postgres_if_down)  # it runs its own event loop
    name = databases.unique_name("parvis_bench")
    url = await databases.create_pg_database(name)
    return url, databases.drop_pg_database(name)


async def main_async(args: argparse.Namespace, workdir: Path) -> tuple[list[Outcome], int]:
    server = SynapseServer(workdir / "synapse").start()
    outcomes: list[Outcome] = []
    try:
        if args.db in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{workdir / 'parvis.db'}"
            outcomes += await bench_database(
                "SQLite", url, server, workdir, args.voters, args.responses
            )
        if args.db in ("postgres", "both"):
            url, drop = await postgres_url()
            try:
                outcomes += await bench_database(
                    "PostgreSQL", url, server, workdir, args.voters, args.responses
                )
            finally:
                await drop
        return outcomes, server.rss_kib() // 1024
    finally:
        server.stop()


def report(outcomes: list[Outcome], voters: int, rss_mib: int) -> str:
    """A Markdown block for RESULTS.md."""
    load = os.getloadavg()
    lines = [
        f"### matrix_poll_ingest — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPU, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, load average "
        f"{load[0]:.2f} at the end; Synapse on 127.0.0.1 (SQLite, relaxed rate limits, RSS "
        f"{rss_mib} MiB). {voters} voters in one room; responses sent by real nio clients from "
        f"another process, {IN_FLIGHT} in flight, unstable and stable forms alternating.",
        "",
        "| db | workload | mode | responses | ballots in the box | s | responses/s | "
        "Synapse send s | counted | skipped (replaced in the same sync) | complete |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.db} | {o.workload} | {o.mode} | {o.responses} | {o.ballots} | "
            f"{o.seconds:.2f} | {o.rate:.0f} | {o.send_seconds:.2f} | {o.counted} | "
            f"{o.superseded} | {'yes' if o.complete else 'NO'} |"
        )
    lines += [
        "",
        "live: from the first send to the last response settled (bounded by Synapse's send "
        "rate); backlog: from the adapter's restart to the last response settled (Parvis's own "
        "rate: sync, back-fill, ballots). Complete = every response reached the bot once, the "
        "box holds each voter's last answer once per poll, one register line each.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--voters", type=int, default=100)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parvis-matrix-ingest-") as folder:
        outcomes, rss = asyncio.run(main_async(args, Path(folder)))
    block = report(outcomes, args.voters, rss)
    print(block)
    if not args.no_record:
        append_block("Matrix", block)
    if not all(o.complete for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
