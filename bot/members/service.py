"""Use cases of organisations, statutes, members and invitations (one unit of work each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from bot.core.errors import DomainError, PermissionDenied
from bot.members.model import (
    College,
    Invitation,
    Member,
    Role,
    Statutes,
    equal_weights,
    new_invitation_code,
    normalise_invitation_code,
    role_for_invitation,
    validate_college_key,
    validate_weights,
)
from bot.members.repository import (
    AuditRepository,
    InvitationRepository,
    MemberRepository,
    OrganisationRepository,
    invitation_from_row,
)
from bot.members.statutes_codec import statutes_to_json
from bot.storage.tables import InvitationRow, OrganisationRow
from bot.storage.uow import UnitOfWork

MAX_INVITATION_USES = 10_000
MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class OrganisationInfo:
    """What handlers need to know about the organisation."""

    id: int
    slug: str
    name: str
    timezone: str
    language: str


def org_info(row: OrganisationRow) -> OrganisationInfo:
    """Domain view of an organisation row."""
    return OrganisationInfo(row.id, row.slug, row.name, row.timezone, row.language)


class MembersService:
    """Organisation, statutes, member and invitation use cases inside one unit of work."""

    def __init__(self, uow: UnitOfWork, organisation: OrganisationInfo) -> None:
        self.uow = uow
        self.org = organisation
        self.orgs = OrganisationRepository(uow.session)
        self.members = MemberRepository(uow.session)
        self.invitations = InvitationRepository(uow.session)
        self.audit = AuditRepository(uow.session)

    @property
    def now(self) -> datetime:
        """The current instant."""
        return self.uow.clock.now()

    # --- reading -------------------------------------------------------------------------

    async def statutes(self) -> Statutes:
        """The current statutes."""
        return await self.orgs.current_statutes(self.org.id)

    async def member_by_identity(self, platform: str, user_key: str) -> Member | None:
        """Who is behind a platform account."""
        return await self.members.by_identity(self.org.id, platform, user_key)

    # --- joining -------------------------------------------------------------------------

    async def join_with_code(
        self, platform: str, user_key: str, display_name: str, language: str | None, code: str
    ) -> tuple[Member, Invitation]:
        """Admit a person with an invitation; one use is taken atomically."""
        if await self.member_by_identity(platform, user_key) is not None:
            raise DomainError("join.already_member")
        row = await self.invitations.by_code(self.org.id, normalise_invitation_code(code))
        if row is None:
            raise DomainError("invitation.unknown")
        invitation = invitation_from_row(row)
        invitation.check_usable(self.now)
        if not await self.invitations.consume(row.id, self.now):
            raise DomainError("invitation.used_up")
        roles = _roles_for(invitation.role)
        name = (invitation.display_name or display_name or "?")[:MAX_NAME]
        member = await self.members.add(
            self.org.id, name, roles, invitation.college_key, language, self.now, row.contact
        )
        await self.members.add_identity(
            self.org.id, member.id, platform, user_key, display_name[:MAX_NAME], self.now
        )
        await self.invitations.record_use(row.id, member.id, self.now)
        return member, invitation

    async def bootstrap_admin(
        self, platform: str, user_key: str, display_name: str, language: str | None
    ) -> Member:
        """Create a first admin (shell bootstrap, or `parvis admin add`)."""
        existing = await self.member_by_identity(platform, user_key)
        if existing is not None:
            if Role.ADMIN not in existing.roles:
                await self.members.grant(existing.id, Role.ADMIN)
                await self._log(None, "role.grant", existing.display_name, None, "admin")
            return await self._reload(existing.id)
        member = await self.members.add(
            self.org.id, display_name[:MAX_NAME], [Role.ADMIN], None, language, self.now
        )
        await self.members.add_identity(
            self.org.id, member.id, platform, user_key, display_name[:MAX_NAME], self.now
        )
        await self._log(None, "admin.bootstrap", display_name, None, {"platform": platform})
        return member

    async def add_plain_member(
        self, platform: str, user_key: str, display_name: str, language: str | None
    ) -> Member:
        """Register a shell user as a plain participant (shell only)."""
        member = await self.members.add(
            self.org.id, display_name[:MAX_NAME], [Role.PARTICIPANT], None, language, self.now
        )
        await self.members.add_identity(
            self.org.id, member.id, platform, user_key, display_name[:MAX_NAME], self.now
        )
        return member

    async def set_language(self, member: Member, language: str) -> None:
        """Remember the member's language."""
        await self.members.set_language(member.id, language)

    # --- statutes ------------------------------------------------------------------------

    async def add_college(self, actor: Member, key: str, name_fr: str, name_en: str) -> Statutes:
        """Add a collège; weights become equal (the default) until set otherwise."""
        _require_admin(actor)
        key = validate_college_key(key.lower())
        current = await self.statutes()
        if current.has_college(key):
            raise DomainError("college.exists", {"college": key})
        keys = [c.key for c in current.colleges] + [key]
        weights = equal_weights(keys)
        colleges = (
            *(College(c.key, c.name_fr, c.name_en, weights[c.key]) for c in current.colleges),
            College(key, name_fr[:MAX_NAME], name_en[:MAX_NAME], weights[key]),
        )
        return await self._new_statutes(actor, current, "college.add", key, colleges=colleges)

    async def rename_college(
        self, actor: Member, key: str, name_fr: str, name_en: str | None
    ) -> Statutes:
        """Rename a collège (its key stays)."""
        _require_admin(actor)
        current = await self.statutes()
        old = current.college(key)
        colleges = tuple(
            College(c.key, name_fr[:MAX_NAME], (name_en or c.name_en)[:MAX_NAME], c.weight)
            if c.key == old.key
            else c
            for c in current.colleges
        )
        return await self._new_statutes(actor, current, "college.rename", key, colleges=colleges)

    async def set_weights(self, actor: Member, weights: dict[str, Fraction]) -> Statutes:
        """Set the collèges' weights after checking the SCIC rules."""
        _require_admin(actor)
        current = await self.statutes()
        validate_weights(weights)
        colleges = tuple(
            College(c.key, c.name_fr, c.name_en, weights[c.key]) for c in current.colleges
        )
        return await self._new_statutes(actor, current, "statutes.weights", "", colleges=colleges)

    async def update_rules(self, actor: Member, **changes: Any) -> Statutes:
        """Change counting rules (blank votes, empty collège, quorum, majority, privacy)."""
        _require_admin(actor)
        current = await self.statutes()
        return await self._new_statutes(actor, current, "statutes.rules", "", **changes)

    async def _new_statutes(
        self, actor: Member | None, current: Statutes, action: str, target: str, **changes: Any
    ) -> Statutes:
        new = current.next_version(**changes)
        await self.orgs.add_statutes(
            self.org.id, new, self.now, actor.id if actor else None, action
        )
        await self._log(
            actor,
            action,
            target,
            statutes_to_json(current) if current.version else None,
            statutes_to_json(new),
        )
        return new

    # --- invitations ---------------------------------------------------------------------

    async def invite(
        self,
        actor: Member,
        college_key: str | None,
        role: Role,
        max_uses: int,
        expires_in: timedelta | None,
        display_name: str | None = None,
        contact: str | None = None,
    ) -> Invitation:
        """Create an invitation code."""
        _require_admin(actor)
        if not 1 <= max_uses <= MAX_INVITATION_USES:
            raise DomainError("invitation.bad_uses", {"max": MAX_INVITATION_USES})
        if expires_in is not None and expires_in <= timedelta(0):
            raise DomainError("invitation.bad_expiry")
        role_for_invitation(role, college_key, await self.statutes())
        row = InvitationRow(
            organisation_id=self.org.id,
            code=new_invitation_code(),
            role=role.value,
            college_key=college_key,
            max_uses=max_uses,
            uses=0,
            expires_at=self.now + expires_in if expires_in else None,
            display_name=display_name,
            contact=contact,
            revoked=False,
            created_by=actor.id,
            created_at=self.now,
        )
        await self.invitations.add(row)
        await self._log(
            actor,
            "invitation.create",
            row.code,
            None,
            {"role": role.value, "college": college_key, "max_uses": max_uses},
        )
        return invitation_from_row(row)

    # --- members and roles ---------------------------------------------------------------

    async def list_members(self, actor: Member, college_key: str | None) -> list[Member]:
        """Members of the organisation (admins only)."""
        _require_admin(actor)
        if college_key is not None:
            (await self.statutes()).college(college_key)
        return await self.members.list_active(self.org.id, college_key)

    async def find_member(self, name: str) -> Member:
        """Find exactly one member by display name."""
        found = await self.members.find_by_name(self.org.id, name.strip().lstrip("@"))
        if not found:
            raise DomainError("member.unknown", {"name": name})
        if len(found) > 1:
            raise DomainError("member.ambiguous", {"name": name})
        return found[0]

    async def grant_role(self, actor: Member, target: Member, role: Role) -> bool:
        """Give a role to a member."""
        _require_admin(actor)
        if role is Role.ASSOCIATE and target.college_key is None:
            raise DomainError("role.associate_needs_college", {"name": target.display_name})
        changed = await self.members.grant(target.id, role)
        if changed:
            await self._log(actor, "role.grant", target.display_name, None, role.value)
        return changed

    async def revoke_role(self, actor: Member, target: Member, role: Role) -> bool:
        """Take a role from a member; the last admin cannot be removed."""
        _require_admin(actor)
        if (
            role is Role.ADMIN
            and role in target.roles
            and await self.members.count_with_role(self.org.id, Role.ADMIN) <= 1
        ):
            raise DomainError("role.last_admin")
        changed = await self.members.revoke(target.id, role)
        if changed:
            await self._log(actor, "role.revoke", target.display_name, role.value, None)
        return changed

    async def audit_entries(self, actor: Member, limit: int) -> list[Any]:
        """Latest audit entries (admins only)."""
        _require_admin(actor)
        return await self.audit.latest(self.org.id, max(1, min(limit, 100)))

    async def _log(
        self, actor: Member | None, action: str, target: str, before: Any, after: Any
    ) -> None:
        await self.audit.record(
            self.org.id, actor.id if actor else None, action, target, before, after, self.now
        )

    async def log(self, actor: Member | None, action: str, target: str, after: Any) -> None:
        """Record an admin action decided elsewhere (e.g. a roster import)."""
        await self._log(actor, action, target, None, after)

    async def _reload(self, member_id: int) -> Member:
        member = await self.members.get(member_id)
        assert member is not None
        return member


def _roles_for(role: Role) -> list[Role]:
    if role is Role.PARTICIPANT:
        return [Role.PARTICIPANT]
    return [Role.PARTICIPANT, role]


def _require_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise PermissionDenied()
