"""Planning a poll's jobs from its status, and the deliveries of each job.

``plan_poll_jobs`` is called after every lifecycle move (``/poll schedule|open|close|cancel``)
and by the periodic sweep, so the schedule always follows the polls:

* scheduled: ``open`` at the opening time; open: ``open`` now if it has not run (announce);
* scheduled or open with a closing time: ``close``, one ``reminder`` per offset still ahead,
  ``turnout`` (defaults 72 h / 24 h / 3 h and 24 h before the close);
* closed: ``close`` now (the results report) and the pending nudges cancelled;
* cancelled or back to draft: every pending job and nudge of the poll cancelled.

``replan_nudges`` plans the nudges of live polls again when an admin changes when they
come (``/notifications reminders|turnout``).

After a lifecycle move, jobs are *revived*: a job cancelled earlier (the poll went back to
draft) is planned again with its new time. The sweep only adds missing jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.jobs import keys
from bot.jobs.audience import pages
from bot.jobs.settings import Nudges
from bot.polls.model import Poll, PollStatus
from bot.polls.repository import PollRepository
from bot.scheduling.model import DeliveryRequest, JobState
from bot.scheduling.planning import (
    EnqueueReport,
    cancel_deliveries,
    cancel_jobs,
    enqueue_deliveries,
    schedule_job,
)
from bot.scheduling.quiet_hours import offset_label
from bot.storage.poll_tables import PollRow
from bot.storage.schedule_tables import ScheduledJobRow
from bot.storage.tables import OrganisationRow
from bot.storage.uow import UnitOfWork


async def put_job(
    uow: UnitOfWork,
    organisation_id: int,
    kind: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any],
    *,
    revive: bool,
) -> None:
    """Plan a job; with ``revive``, a pending or cancelled one with this key is planned again
    at ``due_at`` (a job that ran already is left alone)."""
    if not revive:
        await schedule_job(uow, organisation_id, kind, key, due_at, payload)
        return
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    statement = insert(ScheduledJobRow).values(
        organisation_id=organisation_id,
        kind=kind,
        key=key,
        payload=dict(payload),
        due_at=due_at,
        state=JobState.PENDING.value,
        attempts=0,
        created_at=uow.clock.now(),
    )
    table = ScheduledJobRow.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=["organisation_id", "key"],
        set_={
            "due_at": statement.excluded.due_at,
            "payload": statement.excluded.payload,
            "state": JobState.PENDING.value,
            "attempts": 0,
            "last_error": None,
            "done_at": None,
        },
        where=table.state.in_([JobState.PENDING.value, JobState.CANCELLED.value]),
    )
    await uow.session.execute(statement)


async def nudges_of(uow: UnitOfWork, organisation_id: int) -> Nudges:
    """The organisation's reminder offsets and turnout check."""
    row = await uow.session.get(OrganisationRow, organisation_id)
    return Nudges.from_settings(row.settings if row else None)


async def plan_poll_jobs(uow: UnitOfWork, poll: Poll, *, revive: bool = True) -> None:
    """Bring the poll's jobs in step with its status (see the module's docstring)."""
    org, now, spec = poll.organisation_id, uow.clock.now(), poll.spec
    payload = {"poll": poll.id}
    status = poll.status
    if status in (PollStatus.DRAFT, PollStatus.CANCELLED):
        await cancel_poll_jobs(uow, poll.id, org, everything=True)
        return
    if status is PollStatus.CLOSED:
        await put_job(
            uow, org, keys.POLL_CLOSE, keys.close_job(poll.id), now, payload, revive=True
        )
        await cancel_poll_jobs(uow, poll.id, org, everything=False)
        return
    if status is PollStatus.SCHEDULED and spec.opens_at is not None:
        await put_job(
            uow, org, keys.POLL_OPEN, keys.open_job(poll.id), spec.opens_at, payload, revive=revive
        )
    elif status is PollStatus.OPEN:  # announce it now, unless that was done already
        opened = poll.opened_at or now
        await put_job(
            uow, org, keys.POLL_OPEN, keys.open_job(poll.id), opened, payload, revive=revive
        )
    else:
        return
    closes = spec.closes_at
    if closes is None:
        return
    await put_job(
        uow, org, keys.POLL_CLOSE, keys.close_job(poll.id), closes, payload, revive=revive
    )
    nudges = await nudges_of(uow, org)
    start = max(now, spec.opens_at or now)
    for offset in nudges.reminders:
        at, label = closes - offset, offset_label(offset)
        if at > start:
            key = keys.reminder_job(poll.id, label)
            job = {"poll": poll.id, "offset": label}
            await put_job(uow, org, keys.POLL_REMINDER, key, at, job, revive=revive)
    if nudges.turnout is not None and closes - nudges.turnout > start:
        at = closes - nudges.turnout
        await put_job(
            uow, org, keys.POLL_TURNOUT, keys.turnout_job(poll.id), at, payload, revive=revive
        )


async def replan_nudges(uow: UnitOfWork, organisation_id: int) -> int:
    """After the organisation's reminder or turnout settings changed: the pending reminders
    and turnout checks of its scheduled and open polls are planned again (those that ran
    already are left alone, and so are the messages they planned). Returns how many polls."""
    live = [PollStatus.SCHEDULED.value, PollStatus.OPEN.value]
    rows = await uow.session.scalars(
        select(PollRow).where(PollRow.organisation_id == organisation_id, PollRow.status.in_(live))
    )
    polls = PollRepository(uow.session)
    count = 0
    for row in list(rows):
        await cancel_jobs(uow, organisation_id, keys.reminder_job(row.id))
        await cancel_jobs(uow, organisation_id, keys.turnout_job(row.id))
        await plan_poll_jobs(uow, await polls.to_poll(row), revive=True)
        count += 1
    return count


async def cancel_poll_jobs(uow: UnitOfWork, poll_id: int, org: int, *, everything: bool) -> None:
    """Cancel a poll's pending nudges (reminders, turnout checks and their messages); with
    ``everything``, also its opening, closing and pending announcements."""
    await cancel_jobs(uow, org, keys.reminder_job(poll_id))
    await cancel_jobs(uow, org, keys.turnout_job(poll_id))
    await cancel_deliveries(uow, org, keys.poll_deliveries("remind", poll_id))
    await cancel_deliveries(uow, org, keys.poll_deliveries("turnout", poll_id))
    if everything:
        await cancel_jobs(uow, org, keys.poll_jobs(poll_id))
        await cancel_deliveries(uow, org, keys.poll_deliveries("announce", poll_id))


async def fan_out(
    uow: UnitOfWork,
    organisation_id: int,
    condition: ColumnElement[bool],
    make: Any,
) -> EnqueueReport:
    """Plan one delivery per reachable member matching ``condition``, a page at a time;
    ``make(member_id)`` builds each request. Returns the totals."""
    totals = EnqueueReport()
    async for ids in pages(uow, organisation_id, condition):
        report = await enqueue_deliveries(uow, organisation_id, [make(m) for m in ids])
        totals = EnqueueReport(
            created=totals.created + report.created,
            duplicates=totals.duplicates + report.duplicates,
            opted_out=totals.opted_out + report.opted_out,
            too_late=totals.too_late + report.too_late,
            not_members=totals.not_members + report.not_members,
        )
    return totals


def reminder_request(poll: Poll, label: str, due_at: datetime, job_id: int | None) -> Any:
    """A function building the reminder request of one member (optional, quiet hours,
    expires at the close)."""

    def make(member_id: int) -> DeliveryRequest:
        return DeliveryRequest(
            member_id=member_id,
            kind=keys.REMINDER,
            dedup_key=f"{keys.poll_deliveries('remind', poll.id)}{label}:m{member_id}",
            payload={"poll": poll.id, "offset": label},
            due_at=due_at,
            expires_at=poll.spec.closes_at,
            optional=True,
            quiet=True,
            job_id=job_id,
        )

    return make
