"""/notifications through the real shell adapter, on both databases."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from bot.app import App
from bot.scheduling.digests import DigestSchedule
from bot.scheduling.preferences import NotificationPrefs, OrganisationSchedule
from bot.scheduling.quiet_hours import QuietHours, parse_quiet_hours
from bot.storage.tables import AuditRow, MemberRow, OrganisationRow


async def prefs_of(app: App, name: str) -> NotificationPrefs:
    async with app.db.uow() as uow:
        row = await uow.session.scalar(select(MemberRow).where(MemberRow.display_name == name))
        assert row is not None
        return NotificationPrefs.from_preferences(row.preferences)


async def org_schedule(app: App) -> OrganisationSchedule:
    async with app.db.uow() as uow:
        row = await uow.session.get(OrganisationRow, app.organisation.id)
        assert row is not None
        return OrganisationSchedule.from_settings(row.settings)


async def test_a_member_turns_reminders_off_and_sets_quiet_hours(app: App, shell) -> None:
    alice = shell("alice", "en")
    shown = await alice.say("/notifications")
    assert "Reminders: on" in shown and "21:00–08:00" in shown
    assert "/notifications quiet" in shown
    await alice.say("/notifications off", "/notifications quiet 22h-7h30")
    assert await prefs_of(app, "alice") == NotificationPrefs(
        reminders=False, quiet=parse_quiet_hours("22:00-07:30")
    )
    shown = await alice.say("/notifications")
    assert "Reminders: off" in shown and "22:00–07:30 (yours)" in shown
    await alice.say("/notifications on", "/notifications quiet off")
    assert await prefs_of(app, "alice") == NotificationPrefs(reminders=True, quiet_disabled=True)
    assert "Quiet hours: none" in await alice.say("/notifications")
    await alice.say("/notifications quiet default")
    assert await prefs_of(app, "alice") == NotificationPrefs()


async def test_bad_input_changes_nothing(app: App, shell) -> None:
    alice = shell("alice", "en")
    await alice.say("/notifications quiet 22:00-07:00")
    for line in (
        "/notifications quiet 25:00-07:00",
        "/notifications quiet",
        "/notifications maybe",
        "/notifications off please",
        "/notifications digest someday",
    ):
        answer = await alice.say(line)
        assert "Usage: /notifications on|off" in answer, line
    assert await prefs_of(app, "alice") == NotificationPrefs(quiet=QuietHours(time(22), time(7)))


async def test_admins_set_the_digest_and_default_quiet_hours_audited(app: App, shell) -> None:
    alice = shell("alice", "en")
    answer = await alice.say("/notifications digest fri 17:00")
    assert "every Friday at 17:00 (Europe/Paris)" in answer
    await alice.say("/notifications default-quiet 20:00-09:00")
    schedule = await org_schedule(app)
    assert schedule.digest == DigestSchedule(4, time(17))
    assert schedule.quiet == parse_quiet_hours("20:00-09:00")
    assert "Board digest: every Friday at 17:00" in await alice.say("/notifications")
    await alice.say("/notifications digest off")
    assert (await org_schedule(app)).digest is None
    async with app.db.uow() as uow:
        actions = list(await uow.session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    assert actions[-3:] == [
        "notifications.digest",
        "notifications.quiet_hours",
        "notifications.digest",
    ]


async def test_non_admins_cannot_change_the_organisation(app: App, shell) -> None:
    alice = shell("alice", "en")
    await alice.say("/college add a A", "/college add b B", "/college add c C")
    invite = await alice.say("/invite a")
    code = next(word for word in invite.split() if word.isupper() and len(word) >= 8)
    bob = shell("bob", "en")
    await bob.say(f"/start {code}")
    shown = await bob.say("/notifications")
    assert "Board digest" not in shown and "digest" not in shown
    refused = await bob.say("/notifications digest off", "/notifications default-quiet off")
    assert refused.count("only an administrator") == 2
    assert await org_schedule(app) == OrganisationSchedule()
