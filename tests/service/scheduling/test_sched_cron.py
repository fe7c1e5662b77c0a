"""Digest planning by the in-memory APScheduler cron, and the scheduling runner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bot.app import App
from bot.core.clock import FrozenClock
from bot.scheduling.cron import DigestCron
from bot.scheduling.model import DIGEST, Job
from bot.scheduling.runner import Scheduling, scheduler_runner
from bot.storage.schedule_tables import ScheduledJobRow
from bot.storage.tables import OrganisationRow
from bot.storage.uow import UnitOfWork

MONDAY_NINE_PARIS = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def set_settings(app: App, settings: dict[str, str]) -> None:
    async with app.db.uow() as uow:
        await uow.session.execute(update(OrganisationRow).values(settings=settings))
        await uow.commit()


async def test_the_weekly_digest_job_is_planned_once(app: App, clock: FrozenClock, rows) -> None:
    woken: list[bool] = []
    cron = DigestCron(app.db, lambda: woken.append(True))
    clock.set(MONDAY_NINE_PARIS - timedelta(minutes=1))
    assert await cron.plan_due_digests() == []
    clock.set(MONDAY_NINE_PARIS)
    assert await cron.plan_due_digests() == [f"{app.organisation.id}:digest:2026-W48"]
    other_process = DigestCron(app.db, lambda: None)
    assert await other_process.plan_due_digests() == []
    clock.advance(timedelta(hours=3))  # a restart within the grace period
    assert await cron.plan_due_digests() == []
    (job,) = await rows(ScheduledJobRow)
    assert (job.kind, job.key, job.due_at) == (DIGEST, "digest:2026-W48", MONDAY_NINE_PARIS)
    assert job.payload == {"week": "2026-W48", "scheduled_for": "2026-11-23T08:00:00+00:00"}
    assert woken == [True]


async def test_a_digest_missed_beyond_the_grace_period_is_not_sent_late(
    app: App, clock: FrozenClock, rows
) -> None:
    clock.set(MONDAY_NINE_PARIS + timedelta(hours=7))
    assert await DigestCron(app.db, lambda: None).plan_due_digests() == []
    assert await rows(ScheduledJobRow) == []


async def test_the_schedule_follows_the_organisation_settings(
    app: App, clock: FrozenClock
) -> None:
    cron = DigestCron(app.db, lambda: None)
    clock.set(MONDAY_NINE_PARIS)
    await set_settings(app, {"digest": "off"})
    await cron.refresh()
    assert cron.installed() == {}
    await set_settings(app, {"digest": "fri 17:30"})
    await cron.refresh()
    (trigger,) = cron.installed().values()
    assert "day_of_week='fri'" in str(trigger) and "hour='17'" in str(trigger)
    assert str(trigger.timezone) == "Europe/Paris"
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 17:30 in Paris
    assert trigger.get_next_fire_time(None, MONDAY_NINE_PARIS) == friday
    await set_settings(app, {"digest": "off"})
    await cron.refresh()
    assert cron.installed() == {}


async def test_the_runner_plans_and_runs_the_digest_then_stops_cleanly(
    app: App, clock: FrozenClock, sender
) -> None:
    clock.set(MONDAY_NINE_PARIS + timedelta(minutes=2))
    digests: list[str] = []

    async def digest(uow: UnitOfWork, job: Job) -> None:
        digests.append(job.payload["week"])

    def register(scheduling: Scheduling, app: App) -> None:
        scheduling.register(DIGEST, digest)

    stop = asyncio.Event()
    task = asyncio.create_task(scheduler_runner(lambda app: sender, register)(app, stop))
    for _ in range(100):
        if digests:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert digests == ["2026-W48"]
