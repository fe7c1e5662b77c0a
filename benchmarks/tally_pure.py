"""Pure counting speed: Schulze on 100,000 ranked ballots × 10 options, majority judgment on
1,000,000 grades, through the same accumulators the bot and `parvis tally` use.

Each ballot is fed one by one (count=1), the worst case for the accumulator; the SQL layer
feeds grouped rows, which is faster. Run: `uv run python benchmarks/tally_pure.py`.
"""

from __future__ import annotations

import platform
import random
import time
import tracemalloc
from datetime import UTC, datetime
from fractions import Fraction

from bot.polls.questions import DEFAULT_GRADES
from bot.polls.tally import CountingRules, MajorityJudgmentTally, SchulzeTally

OPTIONS = [f"O{i}" for i in range(10)]
COLLEGES = {"salaries": Fraction(2, 5), "usagers": Fraction(2, 5), "collectivites": Fraction(1, 5)}


def schulze(n: int, rng: random.Random) -> float:
    """Seconds to add n full rankings and finish (weighted, 3 collèges)."""
    ballots = []
    for _ in range(n):
        ranking = OPTIONS[:]
        rng.shuffle(ranking)
        ballots.append((rng.choice(list(COLLEGES)), ranking))
    tally = SchulzeTally(OPTIONS)
    start = time.perf_counter()
    for college, ranking in ballots:
        tally.add(college, ranking)
    tally.finish(CountingRules(COLLEGES))
    return time.perf_counter() - start


def judgment(n: int, rng: random.Random) -> tuple[float, int]:
    """Seconds and peak bytes to add n one-option grades (as the SQL layer groups them)."""
    grades = list(DEFAULT_GRADES)
    tally = MajorityJudgmentTally(["A"])
    rows: dict[tuple[str, str], int] = {}
    for _ in range(n):
        key = (rng.choice(list(COLLEGES)), rng.choice(grades))
        rows[key] = rows.get(key, 0) + 1
    tracemalloc.start()
    start = time.perf_counter()
    for (college, grade), count in rows.items():
        tally.add(college, {"A": grade}, count)
    tally.finish(CountingRules(COLLEGES))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    """Run and print a Markdown block for benchmarks/RESULTS.md."""
    rng = random.Random(2026)
    s = min(schulze(100_000, rng) for _ in range(3))
    j, peak = judgment(1_000_000, rng)
    print(
        f"### tally_pure — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"- Schulze, 100,000 full rankings × 10 options, weighted by 3 collèges, fed one "
        f"ballot at a time: {s:.2f} s (best of 3; target < 2 s)"
    )
    print(
        f"- Majority judgment, 1,000,000 grades (grouped rows): {j * 1000:.1f} ms, peak "
        f"{peak / 1024:.0f} KiB (target < 1 s)"
    )


if __name__ == "__main__":
    main()
