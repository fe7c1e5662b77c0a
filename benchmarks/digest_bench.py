"""Board digest for a big organisation: 100,000 members and 50 polls — time and peak memory.

The database holds 100,000 active members in three collèges (a board of 10), and 50 polls:
20 open (participation from 10 % to 48 % of their audience, i.e. ~580,000 register rows, and a
free-text question), 15 closed since the last digest (each with 5,000 ballots: a single-choice
and a free-text question), 10 opening in the coming week, 5 closed long ago. Measured: the
digest job's handler (compute the digest in SQL, plan one delivery per board member, keep the
snapshot) — wall time and the Python heap's peak (``tracemalloc``), then the rendering of one
board member's message.

    uv run python benchmarks/digest_bench.py [--db sqlite|postgres] [--members 100000]
        [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from telegram_bench_common import machine, scratch_database  # noqa: E402

from bot.core.clock import FrozenClock  # noqa: E402
from bot.jobs.digest import send_digest  # noqa: E402
from bot.members.model import College, Statutes  # noqa: E402
from bot.members.statutes_codec import statutes_to_json  # noqa: E402
from bot.polls.codec import encode_answer  # noqa: E402
from bot.polls.form import parse_form, read_time_in  # noqa: E402
from bot.polls.questions import Question  # noqa: E402
from bot.polls.repository import PollRepository  # noqa: E402
from bot.rendering.digest import digest_screen  # noqa: E402
from bot.scheduling.model import DIGEST, Job  # noqa: E402
from bot.scheduling.planning import schedule_job  # noqa: E402
from bot.storage.engine import create_engine  # noqa: E402
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow, PollRow  # noqa: E402
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow  # noqa: E402
from bot.storage.tables import (  # noqa: E402
    IdentityRow,
    MemberRoleRow,
    MemberRow,
    OrganisationRow,
    StatutesRow,
)
from bot.storage.uow import Database, UnitOfWork  # noqa: E402

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Paris
COLLEGES = ("salaries", "usagers", "collectivites")
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "## Scheduling"
CHUNK = 5000
FORM = (
    "Poll {n}; type: deliberation; secret: yes; "
    "q: Do you approve? | single | Yes | No | Abstain; q: Remarks | text optional"
)


async def rows(uow: UnitOfWork, table: object, values: list[dict[str, object]]) -> None:
    for start in range(0, len(values), CHUNK):
        await uow.session.execute(insert(table), values[start : start + CHUNK])  # type: ignore[arg-type]


async def seed(db: Database, members: int) -> int:
    """The organisation, its members and 50 polls; returns the organisation id."""
    rnd = random.Random(7)
    async with db.uow() as uow:
        org = await uow.session.scalar(
            insert(OrganisationRow)
            .values(slug="big", name="Grande Régie", timezone="Europe/Paris", language="fr",
                    settings={}, created_at=NOW - timedelta(days=400))
            .returning(OrganisationRow.id)
        )  # fmt: skip
        assert org is not None
        weights = (Fraction(2, 5), Fraction(2, 5), Fraction(1, 5))
        statutes = Statutes(
            version=1,
            colleges=tuple(
                College(key, key.title(), key.title(), w)
                for key, w in zip(COLLEGES, weights, strict=True)
            ),
            quorum=Fraction(1, 4),
        )
        doc = statutes_to_json(statutes)
        uow.session.add(StatutesRow(organisation_id=org, version=1, rules=doc, created_at=NOW))
        await uow.session.flush()
        ids: list[int] = []
        for start in range(0, members, CHUNK):
            batch = [
                {"organisation_id": org, "display_name": f"Membre {i}", "language": "fr",
                 "college_key": COLLEGES[(i + 1) % 3], "active": True, "preferences": {},
                 "created_at": NOW}
                for i in range(start, min(members, start + CHUNK))
            ]  # fmt: skip
            ids += (
                await uow.session.scalars(insert(MemberRow).returning(MemberRow.id), batch)
            ).all()
        await rows(uow, MemberRoleRow, [{"member_id": m, "role": "associate"} for m in ids])
        await rows(uow, MemberRoleRow, [{"member_id": m, "role": "board"} for m in ids[:10]])
        await rows(
            uow,
            IdentityRow,
            [
                {"organisation_id": org, "member_id": m, "platform": "telegram",
                 "user_key": str(m), "display_name": "", "reachable": True, "created_at": NOW}
                for m in ids[:10]
            ],
        )  # fmt: skip
        polls = PollRepository(uow.session)
        read = read_time_in(NOW, "Europe/Paris")
        for n in range(50):
            spec = parse_form(FORM.format(n=n), read)
            poll_id = await polls.add(org, spec, None, NOW - timedelta(days=20))
            row = await uow.session.get(PollRow, poll_id)
            assert row is not None
            questions = (await polls.to_poll(row)).questions
            if n < 20:  # open
                row.status, row.statutes_version = "open", 1
                row.opened_at = NOW - timedelta(days=3)
                row.closes_at = NOW + timedelta(days=1 + n % 10)
                share = 0.10 + 0.02 * n
                voters = [m for m in ids if rnd.random() < share]
                await register(uow, poll_id, voters)
                await ballots(uow, poll_id, questions, voters[: len(voters) // 10], rnd, False)
            elif n < 35:  # closed since the last digest, 5,000 ballots each
                row.status, row.statutes_version = "closed", 1
                row.opened_at = NOW - timedelta(days=12)
                row.closes_at = row.closed_at = NOW - timedelta(days=1 + n % 6)
                voters = rnd.sample(ids, 5000)
                await register(uow, poll_id, voters)
                await ballots(uow, poll_id, questions, voters, rnd, True)
                row.eligible = {c: members // 3 for c in COLLEGES}
            elif n < 45:  # opening in the coming week
                row.status = "scheduled"
                row.opens_at = NOW + timedelta(days=1 + n % 6)
                row.closes_at = NOW + timedelta(days=10)
            else:  # closed long ago
                row.status, row.statutes_version = "closed", 1
                row.opened_at = NOW - timedelta(days=60)
                row.closes_at = row.closed_at = NOW - timedelta(days=50)
                row.eligible = {c: members // 3 for c in COLLEGES}
        await schedule_job(uow, org, DIGEST, "digest:2026-W10", NOW, {"week": "2026-W10"})
        await uow.commit()
    return org


async def register(uow: UnitOfWork, poll_id: int, voters: list[int]) -> None:
    await rows(
        uow,
        ParticipationRow,
        [
            {"poll_id": poll_id, "member_id": m, "college_key": COLLEGES[m % 3],
             "platform": "telegram", "first_at": NOW, "last_at": NOW, "submissions": 1}
            for m in voters
        ],
    )  # fmt: skip


async def ballots(
    uow: UnitOfWork,
    poll_id: int,
    questions: tuple[Question, ...],
    voters: list[int],
    rnd: random.Random,
    with_choice: bool,
) -> None:
    """Ballots of these voters: a choice (closed polls), a free text for 30 % of them."""
    single, text = questions
    ballot_rows, answers = [], []
    for m in voters:
        ballot = str(uuid.UUID(int=rnd.getrandbits(128)))
        college = COLLEGES[m % 3]
        ballot_rows.append(
            {"id": ballot, "poll_id": poll_id, "college_key": college, "receipt": ballot[:12]}
        )
        if with_choice:
            answers.append({"ballot_id": ballot, "question_id": single.id, "college_key": college,
                            "value": encode_answer(single, rnd.choice(single.option_keys)),
                            "text": None})  # fmt: skip
        if rnd.random() < 0.3:
            answers.append({"ballot_id": ballot, "question_id": text.id, "college_key": college,
                            "value": None, "text": "Plus de bancs au parc, merci."})  # fmt: skip
    await rows(uow, BallotRow, ballot_rows)
    await rows(uow, AnswerRow, answers)


async def measure(url: str, members: int) -> dict[str, float]:
    clock = FrozenClock(NOW)
    db = Database(create_engine(url), clock)
    try:
        started = time.perf_counter()
        org = await seed(db, members)
        seeding = time.perf_counter() - started
        async with db.uow() as uow:
            job_row = await uow.session.scalar(select(ScheduledJobRow))
            assert job_row is not None
            job = Job(job_row.id, org, DIGEST, job_row.key, dict(job_row.payload), NOW, 1)
        tracemalloc.start()
        started = time.perf_counter()
        async with db.uow() as uow:
            await send_digest(uow, job)
            await uow.commit()
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        async with db.uow() as uow:
            delivery = await uow.session.scalar(select(DeliveryRow).limit(1))
            assert delivery is not None
            data = delivery.payload["digest"]
            count = len((await uow.session.scalars(select(DeliveryRow.id))).all())
        from bot.i18n import Translator

        started = time.perf_counter()
        screen = digest_screen(Translator("fr", "Europe/Paris"), "Grande Régie", data, "/")
        rendering = time.perf_counter() - started
        return {
            "seeding": seeding,
            "seconds": seconds,
            "peak_mb": peak / 1e6,
            "deliveries": count,
            "open": len(data["open"]),
            "closed": len(data["closed"]),
            "coming": len(data["coming"]),
            "free_text": data["free_text"],
            "rendering_ms": rendering * 1000,
            "chars": len(screen.text),
        }
    finally:
        await db.dispose()


def record(line: str) -> None:
    content = RESULTS.read_text("utf-8")
    marker = "### Board digest for a big organisation"
    lines = content.split("\n")
    if marker not in content:
        start = lines.index(SECTION)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        while end > start and not lines[end - 1].strip():
            end -= 1
        block = [
            "",
            marker,
            "",
            "`benchmarks/digest_bench.py`: 100,000 members in 3 collèges, a board of 10, 50 polls"
            " (20 open with ~580,000 register rows, 15 closed since the last digest with 5,000"
            " ballots each, 10 opening in the coming week, 5 closed long ago). Measured: the"
            " `digest` job handler (digest computed in SQL, 10 deliveries planned, snapshot kept)"
            " — wall time and Python heap peak (tracemalloc); then rendering one message.",
            "",
            "| date | machine | db | members | polls open/closed/coming | handler s | heap peak MB"
            " | render ms | deliveries |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        lines[end:end] = block
        end += len(block)
    else:
        end = lines.index(marker) + 7
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
    lines.insert(end, line)
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    async def go() -> dict[str, float]:
        async with scratch_database(args.db) as url:
            return await measure(url, args.members)

    r = asyncio.run(go())
    print(r)
    line = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {machine()} | {args.db} | {args.members} | "
        f"{r['open']:.0f}/{r['closed']:.0f}/{r['coming']:.0f} | {r['seconds']:.2f} | "
        f"{r['peak_mb']:.1f} | {r['rendering_ms']:.1f} | {r['deliveries']:.0f} |"
    )
    print(line)
    if not args.no_record:
        record(line)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
