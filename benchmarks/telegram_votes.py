"""End-to-end vote throughput on Telegram: button presses → ballots committed → answered.

Parvis runs as `parvis run` in its own process against the Bot API emulator (in this process,
over real HTTP on 127.0.0.1), on a fresh SQLite file and a fresh PostgreSQL database. Each of
N voters has the poll's question screen (a single-choice question) and taps, as a person
would, "Yes"/"No" (→ the message is edited into the review) and then "Send my ballot" (→ the
ballot is committed, the message edited into the receipt, the toast "Ballot recorded.").
Each tap waits for the previous one's answer; all voters tap at the same time.

The ceiling: a bare PTB bot (benchmarks/telegram_bare_bot.py, same PTB and
`concurrent_updates`) whose handler only answers the callback query, driven the same way (two
taps per voter). The ratio compares taps per second.

    uv run python benchmarks/telegram_votes.py [--voters 150] [--backends sqlite,postgresql]
        [--no-record]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from telegram_bench_common import (
    FIRST_VOTER,
    TOKEN,
    BotProcess,
    child_env,
    cooperative_with_open_poll,
    open_app,
    record,
    say,
    scratch_database,
    show_ballot,
)

from bot.app import App
from bot.platforms.ports import (
    Action,
    ActionInvoked,
    ChatRef,
    Interaction,
    MessageRef,
    PlatformUser,
)
from bot.platforms.telegram.outbound import CAPABILITIES
from bot.storage.poll_tables import BallotRow
from tests.telegram_emulator import TelegramEmulator

CONCURRENT_UPDATES = 16
HOW = (
    "`uv run python benchmarks/telegram_votes.py --voters {voters} --repeat {repeat}`: each"
    " voter taps “Yes” then"
    " “Send my ballot” on a single-choice poll (each tap: a transaction, an edit, a toast), all"
    " voters at once; `parvis run` in its own process; the emulator over HTTP on 127.0.0.1 with"
    " Telegram's flood limits; `concurrent_updates={concurrent}`. Ceiling: a bare PTB bot that"
    " only answers the callback, driven the same way just before. “Dispatcher alone”: the same"
    " taps handed to the dispatcher in-process, one at a time, no Telegram. Target ≥ 0.7."
)


@dataclass
class Run:
    """One timed run."""

    label: str
    voters: int
    seconds: float

    @property
    def taps_per_second(self) -> float:
        return 2 * self.voters / self.seconds

    @property
    def ballots_per_second(self) -> float:
        return self.voters / self.seconds


async def tap_through(
    emu: TelegramEmulator, user: int, message_id: int, taps: list[str], edits: bool
) -> None:
    """Tap each button once the previous tap was answered (and the message edited)."""
    stored = emu.state.get_message(user, message_id)
    assert stored is not None
    for data in taps:
        before = len(stored.edits)
        update = emu.press_button(user, message_id, data)
        query = emu.state.callback_queries[update["callback_query"]["id"]]
        await emu.wait_for(
            lambda q=query, b=before: q.answered and (not edits or len(stored.edits) > b),
            timeout=120,
            chat_id=user,
        )


async def timed(
    emu: TelegramEmulator, screens: dict[int, int], taps: list[str], edits: bool
) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(tap_through(emu, u, m, taps, edits) for u, m in screens.items()))
    return time.perf_counter() - started


async def bare_run(voters: int, *, edit: bool = False, aiohttp: bool = False) -> Run:
    """The bare PTB bot answering two taps per voter (and editing, with `edit`; on Parvis's
    aiohttp transport, with `aiohttp`)."""
    emu = TelegramEmulator(token=TOKEN, username="bare_bench_bot")
    await emu.start()
    try:
        emu.config(flood=False)
        markup = {
            "inline_keyboard": [
                [{"text": "A", "callback_data": "a:1"}, {"text": "B", "callback_data": "a:2"}]
            ]
        }
        screens = {}
        for n in range(voters):
            sent = await emu.call(
                "sendMessage", chat_id=FIRST_VOTER + n, text="Tap", reply_markup=markup
            )
            screens[FIRST_VOTER + n] = int(sent["message_id"])
        emu.config(flood=True)
        argv = ["benchmarks/telegram_bare_bot.py", emu.url, emu.token, str(CONCURRENT_UPDATES)]
        argv += ["--edit"] * edit + ["--aiohttp"] * aiohttp
        bot = await BotProcess.start(argv, child_env(emu, ""), emu)
        try:
            seconds = await timed(emu, screens, ["a:1", "a:2"], edits=edit)
        finally:
            await bot.stop()
        what = "answer and edit" if edit else "answer only"
        return Run(f"bare PTB ({what}{', aiohttp' if aiohttp else ''})", voters, seconds)
    finally:
        await emu.stop()


async def parvis_run(backend: str, voters: int) -> Run:
    """Parvis voting for real: two taps per voter, ballots counted in the database."""
    async with scratch_database(backend) as url:
        app = await open_app(url)
        emu = TelegramEmulator(token=TOKEN, username="parvis_bench_bot")
        await emu.start()
        try:
            emu.config(flood=False)
            poll = await cooperative_with_open_poll(app, voters)
            screens = {}
            for n in range(voters):
                user = FIRST_VOTER + n
                screens[user] = await show_ballot(app, emu, user, poll)
            emu.config(flood=True)
            bot = await BotProcess.start(["-m", "bot", "run"], child_env(emu, url), emu)
            try:
                taps = [f"pick:{poll}:1:1", f"submit:{poll}"]
                seconds = await timed(emu, screens, taps, edits=True)
            finally:
                await bot.stop()
            async with app.db.uow() as uow:
                ballots = await uow.session.scalar(select(func.count()).select_from(BallotRow))
            assert ballots == voters, (ballots, voters)
            stats = emu.stats()
            assert stats.too_many_requests == 0, stats
            return Run(f"Parvis on {backend}", voters, seconds)
        finally:
            await emu.stop()
            await app.close()


async def dispatcher_run(backend: str, voters: int) -> Run:
    """The same taps handed straight to the dispatcher, one at a time: no Telegram at all."""
    async with scratch_database(backend) as url:
        app = await open_app(url)
        try:
            poll = await cooperative_with_open_poll(app, voters)
            for n in range(voters):
                await say(app, FIRST_VOTER + n, f"/vote {poll}")
            started = time.perf_counter()
            for n in range(voters):
                for action in (Action("pick", (poll, 1, 1)), Action("submit", (poll,))):
                    await app.dispatcher.handle(tap(app, FIRST_VOTER + n, action), CAPABILITIES)
            return Run(f"dispatcher alone on {backend}", voters, time.perf_counter() - started)
        finally:
            await app.close()


def tap(app: App, user: int, action: Action) -> Interaction:
    chat = ChatRef("telegram", str(user), True)
    return Interaction(
        PlatformUser("telegram", str(user), f"Voter{user}", "en"),
        chat,
        ActionInvoked(action),
        f"bench:{user}:{action.verb}",
        app.clock.now(),
        MessageRef(chat, "1"),
    )


def describe(run: Run, ceiling: Run | None) -> str:
    ratio = (
        f" — **{run.taps_per_second / ceiling.taps_per_second:.2f}** of the ceiling"
        if ceiling
        else ""
    )
    return (
        f"| {run.label} | {run.voters} | {run.seconds:.2f} s | {run.taps_per_second:.0f} taps/s"
        f" | {run.ballots_per_second:.0f} ballots/s{ratio} |"
    )


def median_run(runs: list[Run]) -> Run:
    """The run with the median time (odd counts; the lower middle otherwise)."""
    ordered = sorted(runs, key=lambda r: r.seconds)
    middle = ordered[(len(ordered) - 1) // 2]
    return Run(f"{middle.label} (median of {len(runs)})", middle.voters, middle.seconds)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs, median kept")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--no-record", action="store_true")
    options = parser.parse_args()
    rows = []
    for backend in options.backends.split(","):
        ceilings, runs, alone = [], [], []
        for _ in range(options.repeat):  # interleaved: the same machine load for each
            ceilings.append(await bare_run(options.voters))
            runs.append(await parvis_run(backend, options.voters))
            alone.append(await dispatcher_run(backend, options.voters))
            print(*(describe(r[-1], ceilings[-1]) for r in (runs, alone)), sep="\n")
        ceiling = median_run(ceilings)
        rows += [
            describe(ceiling, None),
            describe(median_run(runs), ceiling),
            describe(median_run(alone), ceiling),
        ]
        print(*rows[-3:], sep="\n", flush=True)
    if not options.no_record:
        record(
            "Vote throughput (button presses → ballots committed → answered)",
            [
                HOW.format(
                    voters=options.voters, repeat=options.repeat, concurrent=CONCURRENT_UPDATES
                ),
                "",
                "| bot | voters | time | taps/s | ballots/s |",
                "|---|---|---|---|---|",
                *rows,
            ],
        )


if __name__ == "__main__":
    asyncio.run(main())
