"""Member message -> bot acknowledgement latency on Matrix, Parvis vs a bare nio echo bot.

Starts a throwaway Synapse on 127.0.0.1 (tests/matrix_harness), Parvis's real app on a fresh
SQLite file with the real Matrix adapter, and a bare matrix-nio echo bot (the ceiling: no
database, no dispatch). A member sends messages one at a time in a DM with each bot,
interleaved so both see the same load; the latency is from just before the member's send to
the moment the member's own sync delivers the bot's answer.

    uv run python benchmarks/matrix_latency.py [--messages 100] [--no-record]

Results are appended to benchmarks/RESULTS.md under the "Matrix" heading.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nio import AsyncClient, MatrixRoom, RoomMessageNotice, RoomMessageText

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import RESULTS, append_block  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.members.service import MembersService  # noqa: E402
from bot.platforms.matrix.adapter import MatrixAdapter  # noqa: E402
from bot.platforms.matrix.config import MatrixConfig  # noqa: E402
from bot.settings import OrganisationDefaults, Settings  # noqa: E402
from bot.storage import migrations  # noqa: E402
from tests.matrix_harness import SynapseServer  # noqa: E402
from tests.matrix_harness.clients import (  # noqa: E402
    client_config,
    create_dm,
    make_client,
)

Series = dict[str, list[float]]


class Member:
    """A member's nio client; `ask` sends a text and waits for the next notice in that room."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.joined: dict[str, asyncio.Event] = {}
        client.add_event_callback(self._on_notice, RoomMessageNotice)  # type: ignore[arg-type]

    async def _on_notice(self, room: MatrixRoom, event: RoomMessageNotice) -> None:
        future = self.waiting.pop(room.room_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def ask(self, room_id: str, text: str) -> float:
        """Seconds from send to the answer's arrival."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[room_id] = future
        started = time.perf_counter()
        await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})
        return await asyncio.wait_for(future, timeout=30) - started


async def echo_bot(client: AsyncClient) -> None:
    """The ceiling: answer every text with a notice, nothing else."""

    async def on_text(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != client.user_id:
            await client.room_send(
                room.room_id, "m.room.message", {"msgtype": "m.notice", "body": "ok"}
            )

    async def on_invite(room: MatrixRoom, event: Any) -> None:
        await client.join(room.room_id)

    from nio import InviteMemberEvent

    await client.sync(timeout=0)
    client.add_event_callback(on_text, RoomMessageText)  # type: ignore[arg-type]
    client.add_event_callback(on_invite, InviteMemberEvent)  # type: ignore[arg-type]
    await client.sync_forever(timeout=30_000, sync_filter={"room": {"timeline": {"limit": 100}}})


def _joined(client: AsyncClient, room_id: str, user_id: str) -> bool:
    room = client.rooms.get(room_id)
    return room is not None and user_id in room.users and not room.users[user_id].invited


async def until(check: Callable[[], bool], timeout: float = 10) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def run(messages: int, workdir: Path) -> tuple[Series, dict[str, Any]]:
    server = SynapseServer(workdir / "synapse").start()
    tasks: list[asyncio.Task[Any]] = []
    clients: list[AsyncClient] = []
    try:
        db_url = f"sqlite+aiosqlite:///{workdir / 'parvis.db'}"
        await asyncio.to_thread(migrations.upgrade, db_url)
        app = await build_app(
            Settings(database_url=db_url, organisation=OrganisationDefaults(slug="bench"))
        )
        bot_user = server.register("parvis", "parvis-pw")
        echo_user = server.register("echo", "echo-pw")
        member_user = server.register("member", "member-pw")
        async with app.db.uow() as uow:
            service = MembersService(uow, app.organisation)
            await service.bootstrap_admin("matrix", member_user.user_id, "Member", "en")
            await uow.commit()

        adapter = MatrixAdapter(
            app,
            MatrixConfig(
                homeserver=server.base_url,
                user_id=bot_user.user_id,
                password=bot_user.password,
                store_path=workdir / "store",
            ),
        )
        stop = asyncio.Event()
        tasks.append(asyncio.create_task(adapter.run(stop)))
        await asyncio.wait_for(adapter.ready.wait(), 30)
        echo = await make_client(server.base_url, echo_user)
        member_client = await make_client(server.base_url, member_user, config=client_config())
        clients += [echo, member_client]
        tasks.append(asyncio.create_task(echo_bot(echo)))
        member = Member(member_client)
        await member_client.sync(timeout=0)
        tasks.append(
            asyncio.create_task(
                member_client.sync_forever(
                    timeout=30_000, sync_filter={"room": {"timeline": {"limit": 100}}}
                )
            )
        )
        rooms = {
            "parvis": await create_dm(member_client, bot_user.user_id),
            "echo": await create_dm(member_client, echo_user.user_id),
        }
        for bot_id, room_id in (
            (bot_user.user_id, rooms["parvis"]),
            (echo_user.user_id, rooms["echo"]),
        ):
            await until(lambda r=room_id, b=bot_id: _joined(member_client, r, b))
        asks: dict[str, Callable[[], Awaitable[float]]] = {
            "parvis": lambda: member.ask(rooms["parvis"], "!whoami"),
            "echo": lambda: member.ask(rooms["echo"], "hello"),
        }
        for _ in range(10):  # warm-up: connections, caches, SQLite pages
            for ask in asks.values():
                await ask()
        series: Series = {name: [] for name in asks}
        for _ in range(messages):
            for name, ask in asks.items():
                series[name].append(await ask())
        stop.set()
        meta = {"synapse_rss_mib": server.rss_kib() // 1024}
        await asyncio.wait_for(tasks[0], 15)
        await app.close()
        return series, meta
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.close()
        server.stop()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank on the sorted values."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarise(series: Series) -> dict[str, dict[str, float]]:
    """p50 / p95 / mean / max in milliseconds per bot."""
    return {
        name: {
            "p50": statistics.median(values) * 1000,
            "p95": percentile(values, 95) * 1000,
            "mean": statistics.fmean(values) * 1000,
            "max": max(values) * 1000,
        }
        for name, values in series.items()
    }


def report(summary: dict[str, dict[str, float]], messages: int, meta: dict[str, Any]) -> str:
    """A Markdown block for RESULTS.md."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    parvis, echo = summary["parvis"], summary["echo"]
    lines = [
        f"### matrix_latency — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPU, Python "
        f"{platform.python_version()}, load average {load[0]:.2f}; Synapse on 127.0.0.1 "
        f"(SQLite, relaxed rate limits, RSS {meta['synapse_rss_mib']} MiB); Parvis on SQLite.",
        f"{messages} sequential messages per bot, interleaved, after 10 warm-up messages each. "
        "Latency = member's send → bot's answer received by the member's sync.",
        "",
        "| bot | p50 ms | p95 ms | mean ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for name, label in (("parvis", "Parvis `!whoami` (dispatch + DB)"), ("echo", "bare nio echo")):
        row = summary[name]
        lines.append(
            f"| {label} | {row['p50']:.1f} | {row['p95']:.1f} | {row['mean']:.1f} | "
            f"{row['max']:.1f} |"
        )
    lines += [
        "",
        f"Ratio Parvis / echo: p50 ×{parvis['p50'] / echo['p50']:.2f}, "
        f"p95 ×{parvis['p95'] / echo['p95']:.2f}. Target p50 < 100 ms: "
        f"{'met' if parvis['p50'] < 100 else 'NOT met'}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parvis-matrix-bench-") as folder:
        series, meta = asyncio.run(run(args.messages, Path(folder)))
    block = report(summarise(series), args.messages, meta)
    print(block)
    if not args.no_record:
        append_block("Matrix", block)
        print(f"recorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
