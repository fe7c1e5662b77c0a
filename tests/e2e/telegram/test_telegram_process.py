"""`parvis run` as a user deploys it: a separate process, configured by environment variables,
talking HTTP to a standalone emulator; killed mid-stream, restarted, stopped with SIGTERM."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.members.service import MembersService
from bot.storage.tables import InvitationRow, ProcessedEventRow
from tests.e2e.telegram.telegram_processes import (
    child_env,
    poll_until,
    start_emulator,
    start_parvis,
)
from tests.telegram_emulator.client import EmulatorClient

TOKEN = "4243:AAE-parvis-process-secret-0123456789"
BOT_ID = 4243
ADMINS = tuple(range(1001, 1013))
ROUNDS = 2


@dataclass
class VoteStream:
    """A stream of acknowledged, countable actions by several people, injected at once.

    Until poll voting lands, a "vote" is a `lang` button press (acknowledged by its callback
    answer) followed by `/invite` (each creates exactly one invitation: counted twice would
    show). With polls: press the ballot buttons instead and count ballots in `counted()`.
    """

    emu: EmulatorClient
    app: App
    update_ids: list[int] = field(default_factory=list)
    counted_actions: int = 0

    async def prepare(self) -> dict[int, int]:
        """Each person opens the menu whose buttons they will press; returns message ids."""
        menus = {}
        for user in ADMINS:
            await self.emu.user_message(user, "/language", first_name=f"Admin{user}")
            [menu] = await self.emu.sent(user, n=1, timeout=20)
            menus[user] = menu["message_id"]
        return menus

    async def inject(self, menus: dict[int, int]) -> None:
        for round_ in range(ROUNDS):
            for user in ADMINS:
                language = "en" if round_ % 2 else "fr"
                press = await self.emu.press_button(user, menus[user], f"lang:{language}")
                command = await self.emu.user_message(user, "/invite salaries")
                self.update_ids += [press["update_id"], command["update_id"]]
                self.counted_actions += 1

    async def counted(self) -> int:
        """How many times the countable effect happened."""
        async with self.app.db.uow() as uow:
            return await uow.session.scalar(select(func.count()).select_from(InvitationRow)) or 0

    async def handled(self) -> int:
        """How many of the injected updates are recorded as processed."""
        keys = [f"telegram:{BOT_ID}:{u}" for u in self.update_ids]
        async with self.app.db.uow() as uow:
            count = await uow.session.scalar(
                select(func.count())
                .select_from(ProcessedEventRow)
                .where(ProcessedEventRow.event_key.in_(keys))
            )
        return count or 0


async def acknowledged(emu: EmulatorClient) -> dict[str, Any]:
    answers = await emu.action("callback_answers")
    replies = [m for user in ADMINS for m in await emu.sent(user) if "code" in (m["text"] or "")]
    return {"answers": answers, "codes": [r["text"] for r in replies]}


async def setup_organisation(app: App) -> None:
    async with app.db.uow() as uow:
        members = MembersService(uow, app.organisation)
        first = None
        for user in ADMINS:
            admin = await members.bootstrap_admin("telegram", str(user), f"Admin{user}", "en")
            first = first or admin
        assert first is not None
        await members.add_college(first, "salaries", "Salariés", "Employees")
        await uow.commit()


async def test_parvis_run_killed_mid_stream_loses_nothing_counts_nothing_twice(
    app: App, database_url: str
) -> None:
    await setup_organisation(app)
    emulator, url = await start_emulator(TOKEN, "parvis_process_bot")
    env = child_env(
        PARVIS_TELEGRAM__TOKEN=TOKEN,
        PARVIS_TELEGRAM__BASE_URL=f"{url}/bot",
        PARVIS_TELEGRAM__BASE_FILE_URL=f"{url}/file/bot",
        PARVIS_DATABASE_URL=database_url,
        PARVIS_ORGANISATION__SLUG=app.organisation.slug,
        PARVIS_LOG_LEVEL="INFO",
    )
    children = [emulator]
    try:
        async with EmulatorClient(url) as emu:
            await emu.config(private_per_second=100.0, private_burst=100)
            first = await start_parvis(env)
            children.append(first)
            stream = VoteStream(emu, app)
            await stream.inject(await stream.prepare())

            async def some_acknowledged() -> bool:
                return len((await acknowledged(emu))["answers"]) >= 6

            await poll_until(some_acknowledged, 30)
            await first.kill()
            before_kill = await acknowledged(emu)
            assert await stream.handled() < len(stream.update_ids), "killed too late to prove it"

            second = await start_parvis(env)
            children.append(second)

            async def all_handled() -> bool:
                return await stream.handled() == len(stream.update_ids)

            await poll_until(all_handled, 30, every=0.1)
            assert await stream.counted() == stream.counted_actions  # none lost, none twice
            async with app.db.uow() as uow:
                codes = set(await uow.session.scalars(select(InvitationRow.code)))
            for text in before_kill["codes"]:  # every acknowledged invitation survived
                assert any(code in text for code in codes), text
            assert await second.terminate() == 0
            assert "Telegram adapter stopped" in second.log
            assert "parvis-process-secret" not in first.log + second.log  # token redacted
    finally:
        for child in reversed(children):
            await child.ensure_stopped()
