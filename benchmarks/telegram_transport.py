"""What PTB's HTTP transport costs a bot: the bare PTB bot of the vote benchmark, answering
only or answering and editing (as Parvis does per tap), on PTB's default httpx transport and
on Parvis's aiohttp one (`bot/platforms/telegram/transport.py`). Same emulator, same drive.

    uv run python benchmarks/telegram_transport.py [--voters 300] [--repeat 3] [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio

from telegram_bench_common import record
from telegram_votes import bare_run, describe, median_run

HOW = (
    "`uv run python benchmarks/telegram_transport.py --voters {voters} --repeat {repeat}`: the"
    " bare PTB bot of `telegram_votes.py` (`telegram_bare_bot.py`, `concurrent_updates=16`),"
    " two taps per voter, all voters at once; runs interleaved, median kept; ratio against"
    " the default answer-only bot."
)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    variants = [(False, False), (True, False), (False, True), (True, True)]
    runs: dict[tuple[bool, bool], list] = {v: [] for v in variants}
    for _ in range(options.repeat):
        for edit, aiohttp in variants:
            runs[(edit, aiohttp)].append(
                await bare_run(options.voters, edit=edit, aiohttp=aiohttp)
            )
    baseline = median_run(runs[(False, False)])
    rows = [describe(baseline, None)] + [
        describe(median_run(runs[v]), baseline) for v in variants[1:]
    ]
    print(*rows, sep="\n")
    if not options.no_record:
        record(
            "PTB's HTTP transport: httpx (default) and aiohttp (Parvis)",
            [
                HOW.format(voters=options.voters, repeat=options.repeat),
                "",
                "| bot | voters | time | taps/s | ballots/s |",
                "|---|---|---|---|---|",
                *rows,
            ],
        )


if __name__ == "__main__":
    asyncio.run(main())
