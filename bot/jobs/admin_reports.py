"""Telling the administrators about members Parvis cannot reach and messages that failed.

The scheduling core plans a job ``member.unreachable`` once per member (key
``unreachable:member<id>``) and ``delivery.failed`` once per failed delivery. Reporting each
one at once would flood the admins when many members are unreachable (a big roster import, a
platform outage), so their handlers plan one *report* per admin per quarter of an hour; the
report lists, when it is sent, every member (or message) of its quarter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs import keys
from bot.jobs.poll_jobs import notify_admins
from bot.scheduling.model import Job
from bot.storage.uow import UnitOfWork

WINDOW = timedelta(minutes=15)


def window_of(instant: datetime) -> tuple[datetime, datetime]:
    """The quarter of an hour an instant falls in."""
    instant = instant.astimezone(UTC)
    start = instant.replace(minute=instant.minute - instant.minute % 15, second=0, microsecond=0)
    return start, start + WINDOW


async def member_unreachable(uow: UnitOfWork, job: Job) -> None:
    """``member.unreachable``: plan (once per quarter of an hour) the admins' report."""
    await _plan_report(uow, job, keys.UNREACHABLE_REPORT, "unreachable")


async def delivery_failed(uow: UnitOfWork, job: Job) -> None:
    """``delivery.failed``: plan (once per quarter of an hour) the admins' report."""
    await _plan_report(uow, job, keys.FAILED_REPORT, "failed")


async def _plan_report(uow: UnitOfWork, job: Job, kind: str, name: str) -> None:
    start, end = window_of(job.due_at)
    payload = {"since": start.isoformat(), "until": end.isoformat()}
    dedup = f"report:{name}:{start:%Y%m%d%H%M}:"
    await notify_admins(uow, job.organisation_id, dedup, payload, kind=kind, due_at=end)
