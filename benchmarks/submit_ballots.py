"""Ballot submission through the service layer: one unit of work and one commit per ballot.

    uv run python -m benchmarks.submit_ballots                      # SQLite and PostgreSQL
    uv run python -m benchmarks.submit_ballots --backend sqlite --ballots 5000 --tasks 1 8

Each ballot is a whole secret deliberation ballot (a single-choice and a majority-judgment
answer) submitted with ``PollsService.submit`` exactly as a handler does: eligibility, lock,
validation, participation register, pseudonym, receipt, ballot box, commit. First ballots and
replacements are timed separately; ``--tasks`` runs that many submitters side by side.
Rates are given per second of wall clock and per CPU-second of the benchmark process (all its
threads, the SQLite work included): on a shared, loaded machine the second one says what the
code sustains on one idle core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text

from benchmarks.poll_bench import COLLEGES, cooperative, describe_machine, scratch_database
from bot.members.model import Member, Role
from bot.polls.model import PollKind, PollSpec, Secrecy
from bot.polls.questions import QuestionMethod, new_question
from bot.polls.service import PollsService
from bot.storage.tables import MemberRoleRow, MemberRow
from bot.storage.uow import Database

GRADES = ["Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant"]


async def add_members(db: Database, organisation_id: int, count: int) -> list[Member]:
    """``count`` associates spread over the four collèges, inserted in bulk."""
    async with db.uow() as uow:
        now = uow.clock.now()
        rows = [
            {
                "organisation_id": organisation_id,
                "display_name": f"voter {n}",
                "college_key": COLLEGES[n % len(COLLEGES)].key,
                "language": "fr",
                "active": True,
                "preferences": {},
                "created_at": now,
            }
            for n in range(count)
        ]
        await uow.session.execute(insert(MemberRow), rows)
        found = list(
            await uow.session.execute(
                select(MemberRow.id, MemberRow.college_key)
                .where(MemberRow.display_name.like("voter %"))
                .order_by(MemberRow.id)
            )
        )
        await uow.session.execute(
            insert(MemberRoleRow),
            [{"member_id": m, "role": r} for m, _ in found for r in ("participant", "associate")],
        )
        await uow.commit()
    roles = frozenset({Role.PARTICIPANT, Role.ASSOCIATE})
    return [Member(m, organisation_id, f"voter {m}", roles, c) for m, c in found]


async def open_poll(db: Database, org: Any, admin: Member, secrecy: Secrecy) -> int:
    """A deliberation with a single-choice and a majority-judgment question, opened."""
    spec = PollSpec(
        title=f"Bench submit {secrecy.value}",
        kind=PollKind.DELIBERATION,
        secrecy=secrecy,
        questions=(
            new_question("Adoptez-vous ?", QuestionMethod.SINGLE, ["Pour", "Contre"]),
            new_question("Notez", QuestionMethod.JUDGMENT, ["Jardin", "Vélos", "Café"]),
        ),
    )
    async with db.uow() as uow:
        service = PollsService(uow, org)
        poll = await service.create(admin, spec)
        await service.open(admin, poll.id)
        await uow.commit()
    return poll.id


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds, and CPU seconds of this process (all its threads)."""

    wall: float
    cpu: float

    def rates(self, count: int) -> str:
        """Per second of wall clock, and per CPU-second (what an idle core would sustain)."""
        return f"{count / self.wall:,.0f}/s wall, {count / self.cpu:,.0f}/s per CPU-second"


async def submit_all(
    db: Database, org: Any, poll_id: int, voters: list[Member], tasks: int
) -> Timing:
    """Submit one ballot per voter with ``tasks`` concurrent submitters."""
    rng = random.Random(1)
    queue: asyncio.Queue[Member] = asyncio.Queue()
    for voter in voters:
        queue.put_nowait(voter)

    async def worker() -> None:
        while not queue.empty():
            voter = queue.get_nowait()
            answers = {
                1: rng.choice("AB"),
                2: {key: rng.choice(GRADES) for key in "ABC"},
            }
            async with db.uow() as uow:
                await PollsService(uow, org).submit(voter, poll_id, answers, "bench")
                await uow.commit()

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return Timing(time.perf_counter() - start, time.process_time() - cpu)


async def calibrate(db: Database, count: int = 1000) -> Timing:
    """One single-row INSERT per transaction, ``count`` times: this machine's floor, now."""
    key = "SERIAL" if db.engine.dialect.name == "postgresql" else "INTEGER"
    async with db.engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE bench_calibration (id {key} PRIMARY KEY, v TEXT)"))
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        async with db.uow() as uow:
            await uow.session.execute(text("INSERT INTO bench_calibration (v) VALUES ('x')"))
            await uow.commit()
    return Timing(time.perf_counter() - start, time.process_time() - cpu)


async def run_backend(backend: str, ballots: int, tasks: list[int]) -> None:
    """Measure first ballots and replacements for secret and nominative polls."""
    async with scratch_database(backend) as url:
        db, org, admin_row = await cooperative(url)
        admin = Member(admin_row.id, org.id, "admin", frozenset({Role.ADMIN}))
        try:
            voters = await add_members(db, org.id, ballots)
            print(f"\n== {backend} — {ballots:,} voters ==")
            floor = await calibrate(db)
            print(f"calibration, single-INSERT transactions: {floor.rates(1000)}")
            for secrecy in (Secrecy.SECRET, Secrecy.NOMINATIVE):
                for concurrency in tasks:
                    poll_id = await open_poll(db, org, admin, secrecy)
                    first = await submit_all(db, org, poll_id, voters, concurrency)
                    again = await submit_all(db, org, poll_id, voters, concurrency)
                    print(
                        f"{secrecy.value:>10}, {concurrency} task(s): "
                        f"first ballots {first.rates(ballots)}; "
                        f"replacements {again.rates(ballots)}"
                    )
        finally:
            await db.dispose()


async def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ballots", type=int, default=5000)
    parser.add_argument("--tasks", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    print(f"machine: {describe_machine()}, load average {os.getloadavg()[0]:.1f}")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        await run_backend(backend, args.ballots, args.tasks)


if __name__ == "__main__":
    asyncio.run(main())
