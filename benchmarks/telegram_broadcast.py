"""Broadcast of 1,000 direct messages under Telegram's flood limits, as emulated.

The real adapter (in this process, real HTTP) sends one message to each of 1,000 people at once
through the `Messenger` port (bulk sends: paced per chat, burst-free overall); the emulator
enforces 30 messages/s overall, 1/s per private chat and answers 429 with retry_after. Counted:
the achieved rate (target ≥ 95 % of 30/s), lost and duplicated messages, 429 answers received
(retried) and 429s that escaped to the caller (must be 0).

    uv run python benchmarks/telegram_broadcast.py [--people 1000] [--mode window|bucket]
        [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from pydantic import SecretStr
from telegram_bench_common import TOKEN, open_app, record, scratch_database

from bot.platforms.ports import Screen
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.settings import TelegramSettings
from tests.telegram_emulator import TelegramEmulator

FIRST = 20_001
CEILING = 30.0


async def broadcast(people: int, mode: str) -> dict[str, float]:
    async with scratch_database("sqlite") as url:
        app = await open_app(url)
        emu = TelegramEmulator(token=TOKEN, username="parvis_bench_bot")
        await emu.start()
        emu.config(flood_mode=mode)
        settings = TelegramSettings(
            token=SecretStr(emu.token), base_url=emu.base_url, base_file_url=emu.base_file_url
        )
        adapter = TelegramAdapter(app, settings)
        stop = asyncio.Event()
        task = asyncio.create_task(adapter.run(stop))
        try:
            await asyncio.wait_for(adapter.ready.wait(), 30)
            before = emu.stats().sends
            escaped = 0

            async def send(n: int) -> None:
                nonlocal escaped
                try:
                    await adapter.messenger.send_direct(
                        str(FIRST + n), Screen(text=f"Assemblée générale le 12 mai — n° {n}")
                    )
                except Exception:
                    escaped += 1

            started = time.perf_counter()
            await asyncio.gather(*(send(n) for n in range(people)))
            seconds = time.perf_counter() - started
            stats = emu.stats()
            counts = [len(emu.sent_to(FIRST + n)) for n in range(people)]
            return {
                "people": people,
                "seconds": seconds,
                "rate": (stats.sends - before) / seconds,
                "emulator_rate": stats.sends_per_second,
                "max_in_1s": stats.max_sends_in_1s,
                "lost": sum(1 for c in counts if c == 0),
                "duplicated": sum(c - 1 for c in counts if c > 1),
                "retried_429": stats.too_many_requests,
                "escaped": escaped,
            }
        finally:
            stop.set()
            await task
            await emu.stop()
            await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--mode", default="window", choices=["window", "bucket"])
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    r = await broadcast(options.people, options.mode)
    line = (
        f"| {options.mode} | {r['people']:.0f} | {r['seconds']:.1f} s | {r['rate']:.2f}/s "
        f"(**{r['rate'] / CEILING:.1%}** of 30/s) | {r['max_in_1s']:.0f} | {r['lost']:.0f} | "
        f"{r['duplicated']:.0f} | {r['retried_429']:.0f} | {r['escaped']:.0f} |"
    )
    print(line)
    if not options.no_record:
        record(
            "Broadcast of direct messages under emulated flood limits",
            [
                f"`uv run python benchmarks/telegram_broadcast.py --people {options.people}"
                f" --mode {options.mode}`: one message to each person, all at once, through"
                " `TelegramMessenger.send_direct`; the emulator limits 30/s overall and 1/s per"
                " private chat (`window`: strict rolling window; `bucket`: token bucket).",
                "",
                "| flood mode | messages | time | rate | most in any 1 s | lost | duplicated"
                " | 429 received (retried) | 429 escaped |",
                "|---|---|---|---|---|---|---|---|---|",
                line,
            ],
        )


if __name__ == "__main__":
    asyncio.run(main())
