"""Latency of a button press → the edited message, p50/p95, without and with 50 ms of
emulated network latency per Bot API call.

`parvis run` in its own process; the emulator in this process over HTTP on 127.0.0.1. One
voter taps alternately an option of a poll's question (→ edited into the review) and “Change 1”
on the review (→ edited back into the question): every tap is a transaction and an edit. The
time runs from the press entering the emulator's update queue to the edit being stored. For
reference, the bare PTB bot's press → callback answered, measured the same way.

    uv run python benchmarks/telegram_latency.py [--taps 100] [--backends sqlite,postgresql]
        [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from telegram_bench_common import (
    FIRST_VOTER,
    TOKEN,
    BotProcess,
    child_env,
    cooperative_with_open_poll,
    open_app,
    percentile,
    record,
    scratch_database,
    show_ballot,
)

from tests.telegram_emulator import TelegramEmulator

LATENCIES_MS = (0.0, 50.0)


async def timed_taps(
    emu: TelegramEmulator, user: int, message_id: int, taps: list[str], edits: bool
) -> list[float]:
    """Milliseconds from each press to its edit (or to its callback answer)."""
    stored = emu.state.get_message(user, message_id)
    assert stored is not None
    samples = []
    for data in taps:
        before = len(stored.edits)
        started = time.perf_counter()
        update = emu.press_button(user, message_id, data)
        query = emu.state.callback_queries[update["callback_query"]["id"]]
        if edits:
            await emu.wait_for(lambda b=before: len(stored.edits) > b, timeout=30)
        else:
            await emu.wait_for(lambda q=query: q.answered, timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
        await emu.wait_for(lambda q=query: q.answered, timeout=30)
    return samples


async def parvis(backend: str, taps: int, latency_ms: float) -> list[float]:
    async with scratch_database(backend) as url:
        app = await open_app(url)
        emu = TelegramEmulator(token=TOKEN, username="parvis_bench_bot")
        await emu.start()
        try:
            emu.config(flood=False)
            poll = await cooperative_with_open_poll(app, 1)
            message = await show_ballot(app, emu, FIRST_VOTER, poll)
            emu.config(flood=True)
            bot = await BotProcess.start(["-m", "bot", "run"], child_env(emu, url), emu)
            try:
                emu.config(latency_ms=latency_ms)
                sequence = [f"pick:{poll}:1:1", f"goto:{poll}:1"] * (taps // 2)
                return await timed_taps(emu, FIRST_VOTER, message, sequence, edits=True)
            finally:
                emu.config(latency_ms=0.0)
                await bot.stop()
        finally:
            await emu.stop()
            await app.close()


async def bare(taps: int, latency_ms: float) -> list[float]:
    emu = TelegramEmulator(token=TOKEN, username="bare_bench_bot")
    await emu.start()
    try:
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a:1"}]]}
        sent = await emu.call("sendMessage", chat_id=FIRST_VOTER, text="Tap", reply_markup=markup)
        argv = ["benchmarks/telegram_bare_bot.py", emu.url, emu.token, "16"]
        bot = await BotProcess.start(argv, child_env(emu, ""), emu)
        try:
            emu.config(latency_ms=latency_ms)
            message = int(sent["message_id"])
            return await timed_taps(emu, FIRST_VOTER, message, ["a:1"] * taps, edits=False)
        finally:
            emu.config(latency_ms=0.0)
            await bot.stop()
    finally:
        await emu.stop()


def row(label: str, latency: float, samples: list[float]) -> str:
    return (
        f"| {label} | {latency:.0f} ms | {len(samples)} | {percentile(samples, 0.5):.1f} ms"
        f" | {percentile(samples, 0.95):.1f} ms |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taps", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    rows = []
    for latency in LATENCIES_MS:
        rows.append(row("bare PTB: press → answered", latency, await bare(options.taps, latency)))
        print(rows[-1], flush=True)
        for backend in options.backends.split(","):
            samples = await parvis(backend, options.taps, latency)
            rows.append(row(f"Parvis on {backend}: press → edited", latency, samples))
            print(rows[-1], flush=True)
    if not options.no_record:
        record(
            "Button → edit latency",
            [
                f"`uv run python benchmarks/telegram_latency.py --taps {options.taps}`: one voter"
                " taps an option (→ review) and “Change 1” (→ question) in turn, each tap a"
                " transaction and an edit; `parvis run` in its own process; emulated latency added"
                " to every Bot API call (getUpdates included).",
                "",
                "| bot | emulated latency | taps | p50 | p95 |",
                "|---|---|---|---|---|",
                *rows,
            ],
        )


if __name__ == "__main__":
    asyncio.run(main())
