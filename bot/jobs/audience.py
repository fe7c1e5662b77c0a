"""Who scheduled messages go to, chosen in SQL and read in pages of member ids.

The audience of a poll mirrors ``PollRepository.eligible_counts`` (active members, the poll's
roles and collèges, a collège for deliberations); a test keeps the two in step. Only members
with at least one reachable account are messaged: the others were reported to the admins once
when they became unreachable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from bot.members.model import Role
from bot.polls.model import Poll, PollKind
from bot.storage.poll_tables import ParticipationRow
from bot.storage.tables import IdentityRow, MemberRoleRow, MemberRow
from bot.storage.uow import UnitOfWork

PAGE = 2000


def in_audience(poll: Poll) -> ColumnElement[bool]:
    """Members the poll is for, now (active, roles, collèges, a collège if binding)."""
    audience = poll.spec.audience
    conditions: list[ColumnElement[bool]] = [MemberRow.active.is_(True)]
    if audience.roles:
        conditions.append(
            exists().where(
                MemberRoleRow.member_id == MemberRow.id,
                MemberRoleRow.role.in_(sorted(role.value for role in audience.roles)),
            )
        )
    if audience.colleges:
        conditions.append(MemberRow.college_key.in_(sorted(audience.colleges)))
    if poll.spec.kind is PollKind.DELIBERATION:
        conditions.append(MemberRow.college_key.is_not(None))
    return and_(*conditions)


def took_part(poll_id: int) -> ColumnElement[bool]:
    """Members in the poll's participation register."""
    return exists().where(
        ParticipationRow.poll_id == poll_id, ParticipationRow.member_id == MemberRow.id
    )


def reachable() -> ColumnElement[bool]:
    """Members with at least one account Parvis can write to."""
    return exists().where(IdentityRow.member_id == MemberRow.id, IdentityRow.reachable.is_(True))


def with_roles(roles: Iterable[Role]) -> ColumnElement[bool]:
    """Active members holding any of these roles."""
    return and_(
        MemberRow.active.is_(True),
        exists().where(
            MemberRoleRow.member_id == MemberRow.id,
            MemberRoleRow.role.in_(sorted(role.value for role in roles)),
        ),
    )


async def pages(
    uow: UnitOfWork, organisation_id: int, condition: ColumnElement[bool], page: int = PAGE
) -> AsyncIterator[list[int]]:
    """Ids of the organisation's reachable members matching ``condition``, in id order,
    ``page`` at a time (keyset pagination: memory stays bounded whatever the size)."""
    last = 0
    while True:
        query: Any = (
            select(MemberRow.id)
            .where(
                MemberRow.organisation_id == organisation_id,
                MemberRow.id > last,
                condition,
                reachable(),
            )
            .order_by(MemberRow.id)
            .limit(page)
        )
        ids = list((await uow.session.scalars(query)).all())
        if not ids:
            return
        yield ids
        if len(ids) < page:
            return
        last = ids[-1]


def non_voters(poll: Poll) -> ColumnElement[bool]:
    """Eligible members who have not answered yet (reminders)."""
    return and_(in_audience(poll), not_(took_part(poll.id)))


def audience_and_voters(poll: Poll) -> ColumnElement[bool]:
    """Eligible members and everyone who took part (results)."""
    return or_(in_audience(poll), took_part(poll.id))


async def ids_with_roles(
    uow: UnitOfWork, organisation_id: int, roles: Iterable[Role]
) -> list[int]:
    """Reachable active members holding any of these roles (admins, the board: few)."""
    found: list[int] = []
    async for ids in pages(uow, organisation_id, with_roles(roles)):
        found += ids
    return found
