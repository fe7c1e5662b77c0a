"""Cron-like triggers with an in-memory APScheduler 3.x: they only plan rows and wake up.

APScheduler never stores anything (no persistent job store, no PTB JobQueue): each process
installs one ``CronTrigger`` per organisation for its weekly board digest. When it fires, the
digest job ``digest:<ISO week>`` is planned in the database (idempotent by its key, so several
processes firing together plan it once) and the dispatcher is woken. The same planning runs at
start-up and every few minutes, which catches up a digest missed while the bot was down (within
a grace period) and picks up schedule changes made with ``/notifications digest``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from bot.scheduling.digests import WEEKDAY_NAMES, DigestSchedule, due_digest
from bot.scheduling.model import DIGEST
from bot.scheduling.planning import schedule_job
from bot.scheduling.preferences import OrganisationSchedule
from bot.scheduling.quiet_hours import as_timezone
from bot.storage.tables import OrganisationRow
from bot.storage.uow import Database

log = logging.getLogger(__name__)

REFRESH_JOB = "refresh-digests"


class DigestCron:
    """Plans each organisation's weekly digest job on its schedule, then wakes the dispatcher."""

    def __init__(
        self,
        db: Database,
        wake: Callable[[], None],
        *,
        grace: timedelta = timedelta(hours=6),
        refresh_every: timedelta = timedelta(minutes=5),
    ) -> None:
        self.db = db
        self.wake = wake
        self.grace = grace
        self.refresh_every = refresh_every
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._installed: dict[str, str] = {}

    async def plan_due_digests(self) -> list[str]:
        """Plan the digest job of every organisation whose digest is due now; returns new keys."""
        now = self.db.clock.now()
        created: list[str] = []
        async with self.db.uow() as uow:
            organisations = (await uow.session.execute(_ORGANISATIONS)).all()
            for org_id, timezone, settings in organisations:
                schedule = OrganisationSchedule.from_settings(settings).digest
                due = due_digest(schedule, timezone, now, self.grace)
                if due is None:
                    continue
                payload = {"week": due.week, "scheduled_for": due.scheduled_at.isoformat()}
                if await schedule_job(uow, org_id, DIGEST, due.key, due.scheduled_at, payload):
                    created.append(f"{org_id}:{due.key}")
            await uow.commit()
        if created:
            log.info("digests planned: %s", ", ".join(created))
            self.wake()
        return created

    async def refresh(self) -> None:
        """Install or update one cron trigger per organisation; plan what is due now."""
        async with self.db.uow() as uow:
            organisations = (await uow.session.execute(_ORGANISATIONS)).all()
        wanted: dict[str, tuple[DigestSchedule, str]] = {}
        for org_id, timezone, settings in organisations:
            schedule = OrganisationSchedule.from_settings(settings).digest
            if schedule is not None:
                wanted[f"digest-{org_id}"] = (schedule, timezone)
        for job_id in set(self._installed) - set(wanted):
            self.scheduler.remove_job(job_id)
            del self._installed[job_id]
        for job_id, (schedule, timezone) in wanted.items():
            signature = f"{schedule}@{timezone}"
            if self._installed.get(job_id) == signature:
                continue
            self.scheduler.add_job(
                self.plan_due_digests,
                _trigger(schedule, timezone),
                id=job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=int(self.grace.total_seconds()),
            )
            self._installed[job_id] = signature
        await self.plan_due_digests()

    async def start(self) -> None:
        """Start the in-memory scheduler (inside the running event loop)."""
        self.scheduler.add_job(
            self.refresh,
            IntervalTrigger(seconds=self.refresh_every.total_seconds(), timezone=UTC),
            id=REFRESH_JOB,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        await self.refresh()

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running triggers."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def installed(self) -> dict[str, Any]:
        """The installed digest triggers by APScheduler job id (for tests and diagnostics)."""
        return {job.id: job.trigger for job in self.scheduler.get_jobs() if job.id != REFRESH_JOB}


_ORGANISATIONS = select(OrganisationRow.id, OrganisationRow.timezone, OrganisationRow.settings)


def _trigger(schedule: DigestSchedule, timezone: str) -> CronTrigger:
    return CronTrigger(
        day_of_week=WEEKDAY_NAMES[schedule.weekday],
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=as_timezone(timezone),
    )
