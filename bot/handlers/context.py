"""The typed context every handler receives."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.errors import PermissionDenied
from bot.i18n import Translator
from bot.members.model import Member, Role
from bot.members.service import MembersService, OrganisationInfo
from bot.platforms.ports import Capabilities, ChatRef, PlatformUser
from bot.storage.uow import UnitOfWork


@dataclass(slots=True)
class Context:
    """Who acts, where, in which language, inside which unit of work."""

    uow: UnitOfWork
    org: OrganisationInfo
    member: Member | None
    t: Translator
    capabilities: Capabilities
    clock: Clock
    actor: PlatformUser
    chat: ChatRef
    schedule_changed: bool = False

    def wake_scheduler(self) -> None:
        """Look for due scheduled work as soon as this interaction has committed (a job or
        delivery planned for now goes out at once instead of at the scheduler's next tick)."""
        self.schedule_changed = True

    @property
    def members(self) -> MembersService:
        """Member use cases in this unit of work."""
        return MembersService(self.uow, self.org)

    def require_member(self) -> Member:
        """The acting member, or a polite refusal for strangers."""
        if self.member is None:
            raise PermissionDenied("error.not_member")
        return self.member

    def require_admin(self) -> Member:
        """The acting member if admin, or a polite refusal."""
        member = self.require_member()
        if not member.is_admin:
            raise PermissionDenied("error.admin_only")
        return member

    def has_role(self, role: Role) -> bool:
        """True if the actor is a member with this role."""
        return self.member is not None and role in self.member.roles

    def cmd(self, name: str) -> str:
        """A command as this platform expects it to be typed (`/help` or `!help`)."""
        return f"{self.capabilities.command_prefix}{name}"
