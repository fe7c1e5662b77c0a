"""Tally 1,000,000 single-choice ballots over 4 collèges from SQL, on SQLite and PostgreSQL.

    uv run python -m benchmarks.tally_single                 # both backends, 1M ballots
    uv run python -m benchmarks.tally_single --backend sqlite --ballots 200000

The ballots are generated inside the database (a recursive CTE on SQLite, generate_series on
PostgreSQL), then counted exactly as the bot counts them: ``results.tally_question`` runs a
``GROUP BY collège, answer`` and feeds the pure accumulator. Peak Python memory of a tally is
measured with tracemalloc for a 10,000-ballot poll and a 1,000,000-ballot poll; the streaming
path (majority judgment of 6 options: up to 7^6 distinct answers per collège, streamed in
batches of grouped rows) is measured the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import text

from benchmarks.poll_bench import cooperative, describe_machine, scratch_database
from bot.polls.ballot_box import BallotBox
from bot.polls.model import Poll, PollKind, PollSpec, Secrecy
from bot.polls.questions import Question, QuestionMethod, new_question
from bot.polls.repository import PollRepository
from bot.polls.results import compute, counting_rules, tally_question
from bot.polls.service import PollsService
from bot.storage.uow import Database

OPTIONS = ["Pour", "Contre", "Report", "Amendement", "Autre"]
JUDGED = ["Jardin", "Vélos", "Café", "Bancs", "Fontaine", "Préau"]
SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO poll_ballots (id, poll_id, voter_key, college_key)
SELECT lower(hex(randomblob(16))), :poll, 'bench:' || i,
       CASE i % 4 WHEN 0 THEN 'salaries' WHEN 1 THEN 'usagers'
                  WHEN 2 THEN 'benevoles' ELSE 'collectivites' END
FROM n
"""
PG_FILL = """
INSERT INTO poll_ballots (id, poll_id, voter_key, college_key)
SELECT gen_random_uuid()::text, :poll, 'bench:' || i,
       (ARRAY['salaries', 'usagers', 'benevoles', 'collectivites'])[1 + i % 4]
FROM generate_series(1, :count) AS i
"""
SQLITE_SINGLE = """
WITH drawn AS MATERIALIZED (
    SELECT id, college_key, abs(random()) % 100 AS r FROM poll_ballots WHERE poll_id = :poll
)
INSERT INTO poll_answers (ballot_id, question_id, college_key, value)
SELECT id, :question, college_key,
       CASE WHEN r < 3 THEN NULL WHEN r < 40 THEN 'A' WHEN r < 70 THEN 'B'
            WHEN r < 85 THEN 'C' WHEN r < 95 THEN 'D' ELSE 'E' END
FROM drawn
"""
PG_SINGLE = """
INSERT INTO poll_answers (ballot_id, question_id, college_key, value)
SELECT id, :question, college_key,
       CASE WHEN r < 3 THEN NULL WHEN r < 40 THEN 'A' WHEN r < 70 THEN 'B'
            WHEN r < 85 THEN 'C' WHEN r < 95 THEN 'D' ELSE 'E' END
FROM (SELECT id, college_key, floor(random() * 100) AS r FROM poll_ballots
      WHERE poll_id = :poll) AS drawn
"""
SQLITE_GRADE = "(abs(random()) % 7)"
PG_GRADE = "floor(random() * 7)::int::text"
JUDGMENT = """
INSERT INTO poll_answers (ballot_id, question_id, college_key, value)
SELECT id, :question, college_key, {grades} FROM poll_ballots WHERE poll_id = :poll
"""


def judgment_fill(postgres: bool, options: int) -> str:
    """SQL giving every ballot a uniformly random grade (of 7) for each option."""
    grade = PG_GRADE if postgres else SQLITE_GRADE
    return JUDGMENT.format(grades=" || ".join([grade] * options))


@dataclass(frozen=True, slots=True)
class BenchPoll:
    """A benchmark poll: single choice, a 3-option judgment, a 6-option judgment."""

    poll: Poll
    single: Question
    judgment: Question
    worst: Question

    @property
    def usual(self) -> Poll:
        """The poll without its worst-case question (what a real poll looks like)."""
        return replace(self.poll, spec=replace(self.poll.spec, questions=self.poll.questions[:2]))


async def make_poll(db: Database, org: Any, admin: Any, ballots: int) -> BenchPoll:
    """A deliberation with a single-choice and a judgment question, filled with ballots."""
    spec = PollSpec(
        title=f"Bench {ballots}",
        kind=PollKind.DELIBERATION,
        secrecy=Secrecy.SECRET,
        questions=(
            new_question("Adoptez-vous ?", QuestionMethod.SINGLE, OPTIONS),
            new_question("Notez", QuestionMethod.JUDGMENT, JUDGED[:3]),
            new_question("Notez tout", QuestionMethod.JUDGMENT, JUDGED),
        ),
    )
    async with db.uow() as uow:
        service = PollsService(uow, org)
        poll = await service.create(admin, spec)
        poll = await service.open(admin, poll.id)
        await uow.commit()
    single, judgment, worst = poll.questions
    postgres = db.engine.dialect.name == "postgresql"
    params = {"poll": poll.id, "count": ballots}
    async with db.engine.begin() as conn:
        await conn.execute(text(PG_FILL if postgres else SQLITE_FILL), params)
        await conn.execute(
            text(PG_SINGLE if postgres else SQLITE_SINGLE), {**params, "question": single.id}
        )
        for question, options in ((judgment, 3), (worst, 6)):
            await conn.execute(
                text(judgment_fill(postgres, options)), {**params, "question": question.id}
            )
    return BenchPoll(poll, single, judgment, worst)


async def timed(work: Callable[[], Awaitable[Any]], repeat: int) -> tuple[list[float], Any]:
    """Run ``work`` ``repeat`` times; return the durations in seconds and the last result."""
    durations, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = await work()
        durations.append(time.perf_counter() - start)
    return durations, result


async def peak_memory(work: Callable[[], Awaitable[Any]]) -> int:
    """Peak bytes allocated by Python while ``work`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        await work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def run_backend(backend: str, ballots: int, small: int, repeat: int) -> dict[str, Any]:
    """Every measure on one backend."""
    report: dict[str, Any] = {"backend": backend}
    async with scratch_database(backend) as url:
        db, org, admin = await cooperative(url)
        try:
            start = time.perf_counter()
            big = await make_poll(db, org, admin, ballots)
            little = await make_poll(db, org, admin, small)
            async with db.engine.connect() as conn:
                if backend == "postgres":
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await conn.execute(text("VACUUM ANALYZE poll_answers"))
                else:
                    await conn.execute(text("ANALYZE"))
            report["load_s"] = time.perf_counter() - start
            async with db.uow() as uow:
                polls, box = PollRepository(uow.session), BallotBox(uow.session)
                poll = big.usual
                statutes = await polls.statutes(org.id, poll.statutes_version)
                rules = counting_rules(poll, statutes)

                async def single_tally(q: Question = big.single) -> Any:
                    return await tally_question(box, q, rules)

                durations, result = await timed(single_tally, repeat)
                report["single_s"] = durations
                report["single_valid"] = result.turnout.valid
                report["single_blank"] = result.turnout.blank
                report["single_winner"] = result.winner
                report["single_shares"] = {k: str(v) for k, v in result.weighted.shares.items()}
                report["compute_s"], _ = await timed(
                    lambda: compute(polls, box, poll, uow.clock.now()), 1
                )
                report["mem_single_small"] = await peak_memory(
                    lambda: tally_question(box, little.single, rules)
                )
                report["mem_single_big"] = await peak_memory(single_tally)
                report["judgment_s"], _ = await timed(
                    lambda: tally_question(box, big.judgment, rules), repeat
                )
                report["mem_judgment_small"] = await peak_memory(
                    lambda: tally_question(box, little.worst, rules)
                )
                report["worst_s"], _ = await timed(
                    lambda: tally_question(box, big.worst, rules), 1
                )
                report["mem_judgment_big"] = await peak_memory(
                    lambda: tally_question(box, big.worst, rules)
                )
        finally:
            await db.dispose()
    return report


def show(report: dict[str, Any], ballots: int, small: int) -> None:
    """Print one backend's numbers."""
    single = report["single_s"]
    print(f"\n== {report['backend']} — {ballots:,} ballots, 4 collèges ==")
    print(f"load (generated in SQL + ANALYZE): {report['load_s']:.1f} s")
    print(
        f"single-choice tally (GROUP BY + accumulator): median {statistics.median(single):.3f} s,"
        f" best {min(single):.3f} s over {len(single)} runs"
    )
    print(
        f"  valid {report['single_valid']:,}, blank {report['single_blank']:,}, "
        f"weighted winner {report['single_winner']}, shares {report['single_shares']}"
    )
    print(
        "full results (participation, quorum, single + 3-option judgment): "
        f"{report['compute_s'][0]:.3f} s"
    )
    print(
        "majority judgment, 3 options (GROUP BY streamed): "
        f"median {statistics.median(report['judgment_s']):.3f} s"
    )
    print(
        "worst case, judgment of 6 options with uniform random grades (nearly every ballot "
        f"distinct, streamed in batches): {report['worst_s'][0]:.1f} s"
    )
    kib = 1024
    print(
        f"peak Python memory, single: {small:,} ballots {report['mem_single_small'] / kib:.0f} KiB"
        f" vs {ballots:,} ballots {report['mem_single_big'] / kib:.0f} KiB"
    )
    print(
        f"peak Python memory, worst-case stream: {small:,} "
        f"{report['mem_judgment_small'] / kib:.0f} KiB vs {ballots:,} "
        f"{report['mem_judgment_big'] / kib:.0f} KiB"
    )


async def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"machine: {describe_machine()}")
    for backend in backends:
        report = await run_backend(backend, args.ballots, args.small, args.repeat)
        show(report, args.ballots, args.small)


if __name__ == "__main__":
    asyncio.run(main())
