"""People who blocked the bot: identity marked unreachable, administrators told once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.i18n import Translator
from bot.members.model import Role
from bot.members.service import OrganisationInfo
from bot.platforms.ports import Screen, Tone
from bot.platforms.telegram.ids import PLATFORM
from bot.storage.tables import IdentityRow, MemberRoleRow, MemberRow
from bot.storage.uow import Database

log = logging.getLogger(__name__)

Notify = Callable[[str, Screen], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A member reachable on Telegram, with the language to write to them in."""

    user_key: str
    language: str | None
    display_name: str


class Reachability:
    """Keeps `identities.reachable` in step with what Telegram tells us."""

    def __init__(self, db: Database, organisation: OrganisationInfo, notify: Notify) -> None:
        self.db = db
        self.organisation = organisation
        self.notify = notify

    async def set(self, user_key: str, reachable: bool) -> Awaitable[None] | None:
        """Record a change now; when someone became unreachable, return the work of telling
        the administrators (to run in the background), else None."""
        name = await self._change(user_key, reachable)
        if name is None or reachable:
            return None
        log.info("a member blocked the bot on Telegram; telling the administrators")
        return self._tell_admins(user_key, name)

    async def _tell_admins(self, user_key: str, name: str) -> None:
        for admin in await self.admins():
            if admin.user_key == user_key:
                continue
            t = Translator(
                admin.language or self.organisation.language, self.organisation.timezone
            )
            text = t(
                "{name} has blocked Parvis on Telegram: messages to them there will not "
                "arrive until they unblock it.",
                name=name,
            )
            await self.notify(admin.user_key, Screen(text=text, tone=Tone.WARNING))

    async def _change(self, user_key: str, reachable: bool) -> str | None:
        """Flip the flag; the member's name if it changed, else None."""
        async with self.db.uow() as uow:
            result = await uow.session.execute(
                update(IdentityRow)
                .where(
                    IdentityRow.organisation_id == self.organisation.id,
                    IdentityRow.platform == PLATFORM,
                    IdentityRow.user_key == user_key,
                    IdentityRow.reachable.is_(not reachable),
                )
                .values(reachable=reachable)
                .returning(IdentityRow.member_id)
            )
            member_id = result.scalar_one_or_none()
            name = None
            if member_id is not None:
                name = await uow.session.scalar(
                    select(MemberRow.display_name).where(MemberRow.id == member_id)
                )
            await uow.commit()
        return name

    async def admins(self) -> list[Recipient]:
        """Administrators reachable on Telegram."""
        return await self.members_with_role(Role.ADMIN)

    async def members_with_role(self, role: Role) -> list[Recipient]:
        """Active members holding `role` with a reachable Telegram identity."""
        query = (
            select(IdentityRow.user_key, MemberRow.language, MemberRow.display_name)
            .join(MemberRow, MemberRow.id == IdentityRow.member_id)
            .join(MemberRoleRow, MemberRoleRow.member_id == MemberRow.id)
            .where(
                IdentityRow.organisation_id == self.organisation.id,
                IdentityRow.platform == PLATFORM,
                IdentityRow.reachable.is_(True),
                MemberRow.active.is_(True),
                MemberRoleRow.role == role.value,
            )
            .order_by(IdentityRow.id)
        )
        async with self.db.uow() as uow:
            rows = (await uow.session.execute(query)).all()
        return [Recipient(key, language, name) for key, language, name in rows]
