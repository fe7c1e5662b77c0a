"""Helpers of the Telegram end-to-end tests: people typing, the running bot, snapshots."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import App
from bot.members.service import MembersService
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.settings import TelegramSettings
from bot.storage.tables import AuditRow, IdentityRow, InvitationRow, MemberRoleRow, StatutesRow
from tests.telegram_emulator import StoredMessage, TelegramEmulator

TOKEN = "4242:PARVIS-E2E"
WAIT = 10.0
#: Generous per-chat limits for the functional tests: a script types faster than people do.
#: The flood tests set Telegram's real limits explicitly.
FAST_TYPING = {"private_per_second": 100.0, "private_burst": 100}


class Processed:
    """Update ids the adapter finished handling (its `on_processed` hook)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._changed = asyncio.Event()

    def __call__(self, update_id: int) -> None:
        self.ids.append(update_id)
        self._changed.set()

    async def wait(self, update_id: int, timeout: float = WAIT) -> None:  # noqa: ASYNC109
        """Wait until `update_id` was handled."""
        async with asyncio.timeout(timeout):
            while update_id not in self.ids:
                self._changed.clear()
                await self._changed.wait()


@dataclass
class User:
    """A person on Telegram, typing to the bot in their private chat."""

    bot: Bot
    user_id: int
    name: str
    language: str | None = "fr"

    @property
    def key(self) -> str:
        return str(self.user_id)

    def messages(self) -> list[StoredMessage]:
        return self.bot.emu.sent_to(self.user_id)

    async def say(self, text: str) -> str:
        """Send a message; return the text of everything the bot sent back (joined)."""
        before = len(self.messages())
        update = self.bot.emu.user_message(
            self.user_id, text, first_name=self.name, language_code=self.language
        )
        await self.bot.processed.wait(update["update_id"])
        return "\n".join(m.text or "" for m in self.messages()[before:])

    async def press(self, message: StoredMessage, data: str) -> dict[str, Any]:
        """Press a button of `message`; return the update."""
        update = self.bot.emu.press_button(self.user_id, message.message_id, data)
        await self.bot.processed.wait(update["update_id"])
        return update

    async def send_file(self, filename: str, content: bytes) -> str:
        before = len(self.messages())
        update = self.bot.emu.send_document(self.user_id, filename, content)
        await self.bot.processed.wait(update["update_id"])
        return "\n".join(m.text or "" for m in self.messages()[before:])


@dataclass
class Bot:
    """The running adapter, its emulator and the application behind it."""

    app: App
    emu: TelegramEmulator
    adapter: TelegramAdapter
    processed: Processed
    stop: Callable[[], Awaitable[None]]

    def user(self, user_id: int, name: str, language: str | None = "fr") -> User:
        return User(self, user_id, name, language)

    async def admin(self, user_id: int, name: str, language: str | None = "fr") -> User:
        """A person made administrator from the command line (`parvis admin add`)."""
        async with self.app.db.uow() as uow:
            await MembersService(uow, self.app.organisation).bootstrap_admin(
                "telegram", str(user_id), name, language
            )
            await uow.commit()
        return self.user(user_id, name, language)

    async def snapshot(self) -> dict[str, int]:
        """Counts of everything an admin command could change."""
        async with self.app.db.uow() as uow:
            s = uow.session
            return {
                "audit": await s.scalar(select(func.count()).select_from(AuditRow)) or 0,
                "invitations": await s.scalar(select(func.count()).select_from(InvitationRow))
                or 0,
                "statutes": await s.scalar(select(func.count()).select_from(StatutesRow)) or 0,
                "roles": await s.scalar(select(func.count()).select_from(MemberRoleRow)) or 0,
            }

    async def member_ids(self) -> dict[str, int]:
        """Telegram user key → member id."""
        async with self.app.db.uow() as uow:
            rows = await uow.session.execute(
                select(IdentityRow.user_key, IdentityRow.member_id).where(
                    IdentityRow.platform == "telegram"
                )
            )
            return {key: member for key, member in rows}

    async def reachable(self, user_id: int) -> bool | None:
        async with self.app.db.uow() as uow:
            return await uow.session.scalar(
                select(IdentityRow.reachable).where(
                    IdentityRow.platform == "telegram", IdentityRow.user_key == str(user_id)
                )
            )


def telegram_settings(emu: TelegramEmulator, **changes: Any) -> TelegramSettings:
    """Settings pointing the adapter at the emulator."""
    return TelegramSettings(
        token=SecretStr(emu.token),
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        **changes,
    )


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a `parvis` child process (no proxies: 127.0.0.1 only)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARVIS_") and "proxy" not in k.lower()
    }
    env.update(extra)
    return env
