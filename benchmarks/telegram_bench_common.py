"""Shared parts of the Telegram benchmarks: scratch databases, a cooperative with an open poll,
bot processes (Parvis's `parvis run`, a bare PTB bot), results in benchmarks/RESULTS.md."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import signal
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from results_file import append_block  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.app import App, build_app  # noqa: E402
from bot.members.service import MembersService  # noqa: E402
from bot.platforms.ports import ChatRef, Command, Interaction, PlatformUser, Reply  # noqa: E402
from bot.platforms.telegram.outbound import CAPABILITIES, render  # noqa: E402
from bot.settings import OrganisationDefaults, Settings  # noqa: E402
from bot.storage import migrations  # noqa: E402
from tests.telegram_emulator import TelegramEmulator  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "PARVIS_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
TOKEN = "5151:AAE-benchmark-token-0123456789abcdef"
ADMIN_ID = 1
FIRST_VOTER = 10_001
SLUG = "bench"
POLL_FORM = (
    "/poll new Bench; type: consultation; secret: no; closes: 7d; q: Agreed? | single | Yes | No"
)


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    """A fresh database migrated to head (SQLite file or PostgreSQL), removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await asyncio.to_thread(migrations.upgrade, url)
            yield url
        return
    name = f"parvis_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def open_app(url: str) -> App:
    """The real application on `url` (organisation `bench`)."""
    settings = Settings(database_url=url, organisation=OrganisationDefaults(slug=SLUG))
    return await build_app(settings)


async def say(app: App, user_id: int, line: str, name: str = "") -> Reply:
    """Type a command as a Telegram user, straight into the dispatcher (set-up only)."""
    text_, _, rest = line.partition(" ")
    command = Command(text_.lstrip("/"), tuple(rest.split()), rest)
    interaction = Interaction(
        actor=PlatformUser("telegram", str(user_id), name or f"User{user_id}", "en"),
        chat=ChatRef("telegram", str(user_id), True),
        intent=command,
        event_key=f"bench-setup:{uuid.uuid4().hex}",
        received_at=app.clock.now(),
    )
    return await app.dispatcher.handle(interaction, CAPABILITIES)


async def cooperative_with_open_poll(app: App, voters: int) -> int:
    """Admin 1, `voters` participants (ids from 10001), one open single-choice poll."""
    async with app.db.uow() as uow:
        members = MembersService(uow, app.organisation)
        await members.bootstrap_admin("telegram", str(ADMIN_ID), "Admin", "en")
        for n in range(voters):
            await members.add_plain_member("telegram", str(FIRST_VOTER + n), f"Voter{n}", "en")
        await uow.commit()
    for line in (
        "/college add salaries Salariés | Employees",
        "/college add usagers Usagers | Users",
        "/college add collectivites Collectivités | Authorities",
        "/weights 40/40/20",
    ):
        await say(app, ADMIN_ID, line)
    created = await say(app, ADMIN_ID, POLL_FORM)
    poll = _poll_number(created)
    opened = await say(app, ADMIN_ID, f"/poll open {poll}")
    assert "open" in opened.screens[0].text.lower(), opened
    return poll


def _poll_number(reply: Reply) -> int:
    for screen in reply.screens:
        found = re.search(r"Draft poll (\d+) created", (screen.title or "") + " " + screen.text)
        if found:
            return int(found[1])
    raise AssertionError(reply)


async def show_ballot(app: App, emu: TelegramEmulator, user_id: int, poll: int) -> int:
    """Start answering for `user_id` (state in the database) and post the question screen
    the bot would post, directly in the emulator; returns its message id."""
    reply = await say(app, user_id, f"/vote {poll}")
    screen = next(s for s in reply.screens if s.buttons)
    rendered = render(screen, emu.state.username)
    assert rendered.keyboard is not None
    sent = await emu.call(
        "sendMessage",
        chat_id=user_id,
        text=rendered.parts[0],
        parse_mode="HTML",
        reply_markup=json.loads(rendered.keyboard),
    )
    return int(sent["message_id"])


def child_env(emu: TelegramEmulator, database_url: str) -> dict[str, str]:
    """Environment of `parvis run` pointed at the emulator and the database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARVIS_") and "proxy" not in k.lower() and k != "DATABASE_URL"
    }
    env.update(
        PARVIS_TELEGRAM__TOKEN=emu.token,
        PARVIS_TELEGRAM__BASE_URL=emu.base_url,
        PARVIS_TELEGRAM__BASE_FILE_URL=emu.base_file_url,
        PARVIS_DATABASE_URL=database_url,
        PARVIS_ORGANISATION__SLUG=SLUG,
        PARVIS_LOG_LEVEL="WARNING",
        PTB_TIMEDELTA="1",
        PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "parvis-bench-pycache"),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up is not what is measured
    return env


class BotProcess:
    """A bot in its own process (its own core), started and stopped with signals."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.spy: asyncio.subprocess.Process | None = None

    @classmethod
    async def start(cls, argv: Sequence[str], env: dict[str, str], emu: TelegramEmulator) -> Any:
        """Start and wait until it polls the emulator."""
        calls = emu.state.calls["getUpdates"]
        profile = os.environ.get("PARVIS_BENCH_PROFILE")  # a file name: cProfile the bot
        prefix = ["-m", "cProfile", "-o", profile] if profile and "bot" in argv else []
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *prefix,
            *argv,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
        )
        await emu.wait_for(lambda: emu.state.calls["getUpdates"] > calls, timeout=120)
        await asyncio.sleep(0.5)  # start-up work (menus) out of the way
        bot = cls(process)
        spy = os.environ.get("PARVIS_BENCH_PYSPY")  # a file name: sample the bot with py-spy
        if spy and "bot" in argv:
            bot.spy = await asyncio.create_subprocess_exec(
                *("py-spy", "record", "-r", "250", "-f", "raw", "-o", spy),
                *("--pid", str(process.pid)),
                stdout=asyncio.subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # py-spy attached
        return bot

    async def stop(self) -> None:
        """SIGTERM and wait."""
        if self.spy is not None:
            self.spy.send_signal(signal.SIGINT)
            await self.spy.wait()
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 60)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def machine() -> str:
    """One line about the machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


def record(title: str, lines: list[str]) -> None:
    """Append a block under the "Telegram" heading of benchmarks/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = [f"### {title} — {stamp}", "", f"Machine: {machine()}.", "", *lines, ""]
    append_block("Telegram", "\n".join(block))
