"""Reading and writing notification preferences (members) and schedules (organisations)."""

from __future__ import annotations

from bot.scheduling.preferences import NotificationPrefs, OrganisationSchedule
from bot.storage.tables import MemberRow, OrganisationRow
from bot.storage.uow import UnitOfWork


async def member_prefs(uow: UnitOfWork, member_id: int) -> NotificationPrefs:
    """A member's notification preferences."""
    row = await uow.session.get(MemberRow, member_id)
    if row is None:
        raise LookupError(member_id)
    return NotificationPrefs.from_preferences(row.preferences)


async def set_member_prefs(uow: UnitOfWork, member_id: int, prefs: NotificationPrefs) -> None:
    """Store a member's notification preferences (other preferences kept)."""
    row = await uow.session.get(MemberRow, member_id, with_for_update=True)
    if row is None:
        raise LookupError(member_id)
    row.preferences = prefs.to_preferences(row.preferences)
    await uow.session.flush()


async def organisation_schedule(uow: UnitOfWork, organisation_id: int) -> OrganisationSchedule:
    """An organisation's default quiet hours and digest schedule."""
    row = await uow.session.get(OrganisationRow, organisation_id)
    if row is None:
        raise LookupError(organisation_id)
    return OrganisationSchedule.from_settings(row.settings)


async def set_organisation_schedule(
    uow: UnitOfWork, organisation_id: int, schedule: OrganisationSchedule
) -> None:
    """Store an organisation's default quiet hours and digest schedule (other settings kept)."""
    row = await uow.session.get(OrganisationRow, organisation_id, with_for_update=True)
    if row is None:
        raise LookupError(organisation_id)
    row.settings = schedule.to_settings(row.settings)
    await uow.session.flush()
