"""Admins choose when polls remind and check turnout (`/notifications reminders|turnout`),
through the shell on SQLite and PostgreSQL: polls already scheduled follow the new times,
members hear at those times only, bad input changes nothing, non-admins are refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.app import App
from bot.scheduling.model import JobState
from bot.storage.schedule_tables import ScheduledJobRow
from bot.storage.tables import AuditRow, OrganisationRow
from tests.service.jobs.conftest import Scheduler, poll_id, utc
from tests.support.coop import set_up_coop

pytestmark = pytest.mark.asyncio

FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; quorum: 50; "
    "q: Do you approve the budget? | single | Yes | No"
)


async def pending_nudges(app: App) -> list[str]:
    async with app.db.uow() as uow:
        keys = await uow.session.scalars(
            select(ScheduledJobRow.key)
            .where(ScheduledJobRow.state == JobState.PENDING)
            .where(ScheduledJobRow.kind.in_(["poll.reminder", "poll.turnout"]))
            .order_by(ScheduledJobRow.due_at, ScheduledJobRow.key)
        )
        return [key.split(":", 2)[2] for key in keys]


async def settings(app: App) -> dict[str, object]:
    async with app.db.uow() as uow:
        row = await uow.session.get(OrganisationRow, app.organisation.id)
        assert row is not None
        return dict(row.settings or {})


async def test_new_reminder_times_apply_to_a_scheduled_poll(  # type: ignore[no-untyped-def]
    app: App, shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    bob = people["bob"]
    shown = await alice.say("/notifications")
    assert "Reminders before a poll closes: 3 days, 1 day, and 3 hours" in shown, shown
    assert "Turnout check: 1 day before a poll closes" in shown
    assert "/notifications reminders" in shown
    poll = poll_id(await alice.say(FORM))
    # Opens Tuesday 10:00, closes Friday 18:00 (Paris).
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    assert await pending_nudges(app) == ["reminder:72h", "reminder:24h", "turnout", "reminder:3h"]

    answer = await alice.say("/notifications reminders 2d, 90m")
    assert "remind those who have not answered 2 days and 90 minutes before" in answer, answer
    assert "1 scheduled or open poll follows these times now" in answer
    assert await pending_nudges(app) == ["reminder:48h", "turnout", "reminder:90m"]
    assert "no longer be told" in await alice.say("/notifications turnout off")
    assert "Turnout check: off" in await alice.say("/notifications")
    assert await pending_nudges(app) == ["reminder:48h", "reminder:90m"]
    assert (await settings(app))["reminder_offsets"] == "48h,90m"

    await scheduler.at(utc(2026, 1, 6, 9, 0))  # opens
    for person in people.values():
        person.inbox()
    await scheduler.at(utc(2026, 1, 7, 16, 0))  # 72 h before: no reminder any more
    assert bob.inbox() == ""
    await scheduler.at(utc(2026, 1, 7, 17, 0))  # 48 h before (18:00 in Paris)
    assert "Reminder: Budget 2027" in bob.inbox()
    await scheduler.at(utc(2026, 1, 8, 17, 0))  # 24 h before: no reminder any more
    assert bob.inbox() == ""
    await scheduler.at(utc(2026, 1, 9, 15, 30))  # 90 min before
    assert "Reminder" in bob.inbox()
    assert "below" not in alice.inbox()  # no turnout check

    back = await alice.say("/notifications reminders default")
    assert "3 days, 1 day, and 3 hours" in back, back
    assert "reminder_offsets" not in await settings(app)
    async with app.db.uow() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditRow.action)
                .where(AuditRow.action.startswith("notifications."))
                .order_by(AuditRow.id)
            )
        )
    assert actions == [
        "notifications.reminders",
        "notifications.turnout",
        "notifications.reminders",
    ]


async def test_bad_times_and_non_admins_change_nothing(app: App, shell) -> None:  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    await alice.say("/notifications reminders 24h")
    before = await settings(app)
    for line in (
        "/notifications reminders soon",
        "/notifications reminders 0h",
        "/notifications reminders 90d",
        "/notifications reminders 1h,2h,3h,4h,5h,6h,7h",
        "/notifications turnout 24h,3h",
        "/notifications turnout never",
    ):
        answer = await alice.say(line)
        assert "Usage: /notifications on|off" in answer and "reminders 72h" in answer, line
    for line in ("/notifications reminders 3h", "/notifications turnout off"):
        refused = await people["bob"].say(line)
        assert "admin" in refused.lower(), refused
    assert await settings(app) == before
    await alice.say("/language fr")
    shown = await alice.say("/notifications")
    assert re.search(r"Rappels avant la clôture d’une consultation : 1\s+jour\n", shown), shown
