"""Repositories for organisations, statutes, members, identities, invitations and audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.members.model import Invitation, Member, Role, Statutes
from bot.members.statutes_codec import statutes_from_json, statutes_to_json
from bot.storage.tables import (
    AuditRow,
    IdentityRow,
    InvitationRow,
    InvitationUseRow,
    MemberRoleRow,
    MemberRow,
    OrganisationRow,
    StatutesRow,
)


class OrganisationRepository:
    """Organisations and their versioned statutes."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_slug(self, slug: str) -> OrganisationRow | None:
        """Find an organisation by its slug."""
        return await self.session.scalar(
            select(OrganisationRow).where(OrganisationRow.slug == slug)
        )

    async def get(self, organisation_id: int) -> OrganisationRow:
        """Load an organisation that must exist."""
        row = await self.session.get(OrganisationRow, organisation_id)
        if row is None:
            raise LookupError(organisation_id)
        return row

    async def add(self, row: OrganisationRow) -> OrganisationRow:
        """Insert an organisation."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def current_statutes(self, organisation_id: int) -> Statutes:
        """The latest statutes version (version 0, empty, if none yet)."""
        row = await self.session.scalar(
            select(StatutesRow)
            .where(StatutesRow.organisation_id == organisation_id)
            .order_by(StatutesRow.version.desc())
            .limit(1)
        )
        if row is None:
            return Statutes(version=0)
        return statutes_from_json(row.version, row.rules)

    async def statutes_history(self, organisation_id: int, limit: int = 20) -> list[StatutesRow]:
        """The most recent statutes versions, newest first."""
        rows = await self.session.scalars(
            select(StatutesRow)
            .where(StatutesRow.organisation_id == organisation_id)
            .order_by(StatutesRow.version.desc())
            .limit(limit)
        )
        return list(rows)

    async def add_statutes(
        self, organisation_id: int, statutes: Statutes, at: datetime, by: int | None, note: str
    ) -> None:
        """Append a statutes version (the unique key refuses a concurrent duplicate)."""
        self.session.add(
            StatutesRow(
                organisation_id=organisation_id,
                version=statutes.version,
                rules=statutes_to_json(statutes),
                created_at=at,
                created_by=by,
                note=note,
            )
        )
        await self.session.flush()


class MemberRepository:
    """Members, their roles and platform identities."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_identity(
        self, organisation_id: int, platform: str, user_key: str
    ) -> Member | None:
        """The member behind a platform account, if any (one statement, roles included)."""
        params = identity_params(organisation_id, platform, user_key)
        connection = await self.session.connection()
        return member_from_rows(list(await connection.execute(BY_IDENTITY, params)))

    async def get(self, member_id: int) -> Member | None:
        """Load a member with roles."""
        row = await self.session.get(MemberRow, member_id)
        if row is None:
            return None
        roles = await self.session.scalars(
            select(MemberRoleRow.role).where(MemberRoleRow.member_id == member_id)
        )
        return _to_member(row, [Role(r) for r in roles])

    async def row(self, member_id: int) -> MemberRow:
        """The row of a member that must exist (for updates)."""
        row = await self.session.get(MemberRow, member_id, with_for_update=True)
        if row is None:
            raise LookupError(member_id)
        return row

    async def add(
        self,
        organisation_id: int,
        display_name: str,
        roles: Sequence[Role],
        college_key: str | None,
        language: str | None,
        at: datetime,
        contact: str | None = None,
    ) -> Member:
        """Insert a member with roles."""
        row = MemberRow(
            organisation_id=organisation_id,
            display_name=display_name,
            college_key=college_key,
            language=language,
            contact=contact,
            active=True,
            preferences={},
            created_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        for role in dict.fromkeys(roles):
            self.session.add(MemberRoleRow(member_id=row.id, role=role.value))
        await self.session.flush()
        return _to_member(row, list(roles))

    async def add_identity(
        self,
        organisation_id: int,
        member_id: int,
        platform: str,
        user_key: str,
        display_name: str,
        at: datetime,
    ) -> None:
        """Link a platform account to a member."""
        self.session.add(
            IdentityRow(
                organisation_id=organisation_id,
                member_id=member_id,
                platform=platform,
                user_key=user_key,
                display_name=display_name,
                reachable=True,
                created_at=at,
            )
        )
        await self.session.flush()

    async def identities(self, member_id: int) -> list[IdentityRow]:
        """Platform accounts of a member."""
        rows = await self.session.scalars(
            select(IdentityRow).where(IdentityRow.member_id == member_id).order_by(IdentityRow.id)
        )
        return list(rows)

    async def grant(self, member_id: int, role: Role) -> bool:
        """Give a role; False if the member already had it."""
        existing = await self.session.scalar(
            select(MemberRoleRow.id).where(
                MemberRoleRow.member_id == member_id, MemberRoleRow.role == role.value
            )
        )
        if existing is not None:
            return False
        self.session.add(MemberRoleRow(member_id=member_id, role=role.value))
        await self.session.flush()
        return True

    async def revoke(self, member_id: int, role: Role) -> bool:
        """Take a role away; False if the member did not have it."""
        result = await self.session.execute(
            delete(MemberRoleRow).where(
                MemberRoleRow.member_id == member_id, MemberRoleRow.role == role.value
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_with_role(self, organisation_id: int, role: Role) -> int:
        """How many active members hold a role."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(MemberRoleRow)
            .join(MemberRow, MemberRow.id == MemberRoleRow.member_id)
            .where(
                MemberRow.organisation_id == organisation_id,
                MemberRow.active.is_(True),
                MemberRoleRow.role == role.value,
            )
        )
        return int(count or 0)

    async def list_active(
        self, organisation_id: int, college_key: str | None = None, limit: int = 200
    ) -> list[Member]:
        """Active members, optionally of one collège, by name."""
        query = select(MemberRow).where(
            MemberRow.organisation_id == organisation_id, MemberRow.active.is_(True)
        )
        if college_key is not None:
            query = query.where(MemberRow.college_key == college_key)
        rows = list(
            await self.session.scalars(query.order_by(MemberRow.display_name).limit(limit))
        )
        roles: dict[int, list[Role]] = {row.id: [] for row in rows}
        if rows:
            for member_id, role in await self.session.execute(
                select(MemberRoleRow.member_id, MemberRoleRow.role).where(
                    MemberRoleRow.member_id.in_(roles)
                )
            ):
                roles[member_id].append(Role(role))
        return [_to_member(row, roles[row.id]) for row in rows]

    async def find_by_name(self, organisation_id: int, name: str) -> list[Member]:
        """Members whose display name matches (case-insensitive, exact first)."""
        rows = await self.session.scalars(
            select(MemberRow.id).where(
                MemberRow.organisation_id == organisation_id,
                func.lower(MemberRow.display_name) == name.lower(),
            )
        )
        found = [await self.get(member_id) for member_id in rows]
        return [m for m in found if m is not None]

    async def set_language(self, member_id: int, language: str) -> None:
        """Remember a member's language."""
        await self.session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(language=language)
        )


class InvitationRepository:
    """Invitation codes, consumed atomically."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: InvitationRow) -> InvitationRow:
        """Insert an invitation."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def by_code(self, organisation_id: int, code: str) -> InvitationRow | None:
        """Find an invitation by code."""
        return await self.session.scalar(
            select(InvitationRow).where(
                InvitationRow.organisation_id == organisation_id, InvitationRow.code == code
            )
        )

    async def consume(self, invitation_id: int, now: datetime) -> bool:
        """Take one use atomically; False if it was used up, revoked or expired meanwhile."""
        result = await self.session.execute(
            update(InvitationRow)
            .where(
                InvitationRow.id == invitation_id,
                InvitationRow.uses < InvitationRow.max_uses,
                InvitationRow.revoked.is_(False),
                (InvitationRow.expires_at.is_(None)) | (InvitationRow.expires_at > now),
            )
            .values(uses=InvitationRow.uses + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_use(self, invitation_id: int, member_id: int, at: datetime) -> None:
        """Remember who joined with an invitation."""
        self.session.add(
            InvitationUseRow(invitation_id=invitation_id, member_id=member_id, used_at=at)
        )
        await self.session.flush()

    async def recent(self, organisation_id: int, limit: int = 50) -> list[InvitationRow]:
        """Latest invitations."""
        rows = await self.session.scalars(
            select(InvitationRow)
            .where(InvitationRow.organisation_id == organisation_id)
            .order_by(InvitationRow.id.desc())
            .limit(limit)
        )
        return list(rows)


class AuditRepository:
    """The append-only audit log."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        organisation_id: int,
        actor_id: int | None,
        action: str,
        target: str,
        before: Any,
        after: Any,
        at: datetime,
    ) -> None:
        """Append an entry."""
        self.session.add(
            AuditRow(
                organisation_id=organisation_id,
                actor_id=actor_id,
                action=action,
                target=target,
                before=before,
                after=after,
                at=at,
            )
        )
        await self.session.flush()

    async def latest(self, organisation_id: int, limit: int) -> list[AuditRow]:
        """The latest entries, newest first."""
        rows = await self.session.scalars(
            select(AuditRow)
            .where(AuditRow.organisation_id == organisation_id)
            .order_by(AuditRow.id.desc())
            .limit(limit)
        )
        return list(rows)


def invitation_from_row(row: InvitationRow) -> Invitation:
    """Domain view of an invitation row."""
    return Invitation(
        code=row.code,
        role=Role(row.role),
        college_key=row.college_key,
        max_uses=row.max_uses,
        uses=row.uses,
        expires_at=row.expires_at,
        display_name=row.display_name,
        revoked=row.revoked,
    )


_MEMBER_COLUMNS = (
    MemberRow.id,
    MemberRow.organisation_id,
    MemberRow.display_name,
    MemberRow.college_key,
    MemberRow.language,
    MemberRow.contact,
    MemberRow.active,
)


#: The member behind an account, one row per role (built once: it runs on every interaction).
BY_IDENTITY = (
    select(*_MEMBER_COLUMNS, MemberRoleRow.role)
    .join(IdentityRow, IdentityRow.member_id == MemberRow.id)
    .outerjoin(MemberRoleRow, MemberRoleRow.member_id == MemberRow.id)
    .where(
        IdentityRow.organisation_id == bindparam("organisation_id"),
        IdentityRow.platform == bindparam("platform"),
        IdentityRow.user_key == bindparam("user_key"),
    )
)


def identity_params(organisation_id: int, platform: str, user_key: str) -> dict[str, Any]:
    """The parameters of `BY_IDENTITY`."""
    return {"organisation_id": organisation_id, "platform": platform, "user_key": user_key}


def member_from_rows(rows: Sequence[Any]) -> Member | None:
    """The member read by `BY_IDENTITY` (one row per role), or None for no rows."""
    if not rows:
        return None
    return _to_member(rows[0], [Role(r.role) for r in rows if r.role is not None])


def _to_member(row: MemberRow, roles: Sequence[Role]) -> Member:
    return Member(
        id=row.id,
        organisation_id=row.organisation_id,
        display_name=row.display_name,
        roles=frozenset(roles),
        college_key=row.college_key,
        language=row.language,
        contact=row.contact,
        active=row.active,
    )
