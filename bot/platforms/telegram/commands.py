"""The "/" command menu (setMyCommands): everyone's commands in French and English, and each
privileged member's full list in their own private chat (BotCommandScopeChat)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from sqlalchemy import select
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.handlers.router import CommandSpec
from bot.i18n import LANGUAGES, Translator
from bot.members.model import Role
from bot.members.service import OrganisationInfo
from bot.platforms.telegram.ids import PLATFORM
from bot.storage.conversations import AdapterStateRepository
from bot.storage.tables import IdentityRow, MemberRoleRow, MemberRow
from bot.storage.uow import Database

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
DESCRIPTION_MAX = 256


def menu(specs: Sequence[CommandSpec], roles: frozenset[Role], t: Translator) -> list[BotCommand]:
    """The commands someone with `roles` may use, described in the translator's language."""
    commands = []
    for spec in specs:
        if not spec.listed or not _NAME.match(spec.name):
            continue
        if not spec.allows(roles):
            continue
        description = t(spec.summary).strip()[:DESCRIPTION_MAX] or spec.name
        commands.append(BotCommand(spec.name, description))
    return commands


class CommandMenu:
    """Publishes the menus and keeps the per-chat ones in step with roles."""

    def __init__(
        self,
        bot: Bot,
        bot_id: int,
        db: Database,
        organisation: OrganisationInfo,
        specs: list[CommandSpec],
    ) -> None:
        self.bot = bot
        self.db = db
        self.organisation = organisation
        self.specs = specs
        self.privileged = frozenset(role for s in specs for role in s.roles)
        self.state_key = f"telegram:{bot_id}:command_chats"

    async def publish(self) -> None:
        """Everyone's menu (default scope) in each language, then the per-chat menus."""
        default_language = self.organisation.language
        for language in (*LANGUAGES, ""):
            t = Translator(language or default_language, self.organisation.timezone)
            await self.bot.set_my_commands(
                menu(self.specs, frozenset(), t),
                scope=BotCommandScopeDefault(),
                language_code=language or None,
            )
        await self.refresh()

    async def refresh(self) -> None:
        """Set the menu of each privileged member's chat; clear it for former ones."""
        wanted = await self._privileged_chats()
        async with self.db.uow() as uow:
            raw = await AdapterStateRepository(uow.session).get(self.state_key)
        published: dict[str, list[str]] = json.loads(raw) if raw else {}
        for chat, signature in wanted.items():
            if published.get(chat) == signature:
                continue
            language, *roles = signature
            t = Translator(language, self.organisation.timezone)
            commands = menu(self.specs, frozenset(Role(r) for r in roles), t)
            await self.bot.set_my_commands(commands, scope=BotCommandScopeChat(int(chat)))
        for chat in set(published) - set(wanted):
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(int(chat)))
        if wanted != published:
            async with self.db.uow() as uow:
                await AdapterStateRepository(uow.session).put(
                    self.state_key, json.dumps(wanted, sort_keys=True), self.db.clock.now()
                )
                await uow.commit()

    async def _privileged_chats(self) -> dict[str, list[str]]:
        """Private chat id → [language, roles...] of members holding a privileged role."""
        if not self.privileged:
            return {}
        query = (
            select(IdentityRow.user_key, MemberRow.language, MemberRoleRow.role)
            .join(MemberRow, MemberRow.id == IdentityRow.member_id)
            .join(MemberRoleRow, MemberRoleRow.member_id == MemberRow.id)
            .where(
                IdentityRow.organisation_id == self.organisation.id,
                IdentityRow.platform == PLATFORM,
                MemberRow.active.is_(True),
                MemberRoleRow.role.in_([r.value for r in self.privileged]),
            )
        )
        async with self.db.uow() as uow:
            rows = (await uow.session.execute(query)).all()
        chats: dict[str, list[str]] = {}
        for user_key, language, role in rows:
            entry = chats.setdefault(user_key, [language or self.organisation.language])
            entry.append(role)
        return {chat: [entry[0], *sorted(entry[1:])] for chat, entry in chats.items()}
