"""Planning use cases: schedule, reschedule and cancel jobs; enqueue deliveries idempotently.

All functions run inside the caller's unit of work (nothing is committed here), so a job
handler's deliveries and the job's completion are committed together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.scheduling.model import DeliveryRequest, DeliveryState, JobState
from bot.scheduling.preferences import (
    NotificationPrefs,
    OrganisationSchedule,
    Skip,
    delivery_time,
)
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
from bot.storage.tables import MemberRow, OrganisationRow
from bot.storage.uow import UnitOfWork

CHUNK = 500


def _insert(uow: UnitOfWork) -> Any:
    return pg_insert if uow.dialect == "postgresql" else sqlite_insert


async def schedule_job(
    uow: UnitOfWork,
    organisation_id: int,
    kind: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> bool:
    """Plan a job unless one with the same key exists; True if it was created."""
    statement = (
        _insert(uow)(ScheduledJobRow)
        .values(
            organisation_id=organisation_id,
            kind=kind,
            key=key,
            payload=dict(payload or {}),
            due_at=due_at,
            state=JobState.PENDING,
            attempts=0,
            created_at=uow.clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["organisation_id", "key"])
        .returning(ScheduledJobRow.id)
    )
    return (await uow.session.execute(statement)).first() is not None


async def reschedule_job(
    uow: UnitOfWork, organisation_id: int, key: str, due_at: datetime
) -> bool:
    """Move a pending job to a new due time (e.g. a poll's close was changed)."""
    statement = (
        update(ScheduledJobRow)
        .where(
            ScheduledJobRow.organisation_id == organisation_id,
            ScheduledJobRow.key == key,
            ScheduledJobRow.state == JobState.PENDING,
        )
        .values(due_at=due_at)
        .execution_options(synchronize_session=False)
    )
    return bool((await uow.session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def cancel_jobs(uow: UnitOfWork, organisation_id: int, key_prefix: str) -> int:
    """Cancel the pending jobs whose key starts with a prefix (``poll:42:``); returns how many."""
    statement = (
        update(ScheduledJobRow)
        .where(
            ScheduledJobRow.organisation_id == organisation_id,
            ScheduledJobRow.key.startswith(key_prefix, autoescape=True),
            ScheduledJobRow.state == JobState.PENDING,
        )
        .values(state=JobState.CANCELLED, done_at=uow.clock.now())
        .execution_options(synchronize_session=False)
    )
    return int((await uow.session.execute(statement)).rowcount)  # type: ignore[attr-defined]


async def cancel_deliveries(uow: UnitOfWork, organisation_id: int, dedup_prefix: str) -> int:
    """Cancel the pending deliveries whose dedup key starts with a prefix; returns how many."""
    statement = (
        update(DeliveryRow)
        .where(
            DeliveryRow.organisation_id == organisation_id,
            DeliveryRow.dedup_key.startswith(dedup_prefix, autoescape=True),
            DeliveryRow.state == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int((await uow.session.execute(statement)).rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EnqueueReport:
    """What became of a batch of delivery requests."""

    created: int = 0
    duplicates: int = 0
    opted_out: int = 0
    too_late: int = 0
    not_members: int = 0


async def enqueue_deliveries(
    uow: UnitOfWork, organisation_id: int, requests: Sequence[DeliveryRequest]
) -> EnqueueReport:
    """Create deliveries, applying opt-outs and quiet hours; duplicates (same key) are ignored."""
    organisation = await uow.session.get(OrganisationRow, organisation_id)
    if organisation is None:
        raise LookupError(organisation_id)
    schedule = OrganisationSchedule.from_settings(organisation.settings)
    prefs = await _member_prefs(uow, organisation_id, {r.member_id for r in requests})
    now = uow.clock.now()
    rows: list[dict[str, Any]] = []
    counts = {"opted_out": 0, "too_late": 0, "not_members": 0}
    for request in requests:
        member = prefs.get(request.member_id)
        if member is None:
            counts["not_members"] += 1
            continue
        when = delivery_time(
            request.due_at,
            prefs=member,
            organisation=schedule,
            tz=organisation.timezone,
            optional=request.optional,
            quiet=request.quiet,
            expires_at=request.expires_at,
        )
        if isinstance(when, Skip):
            counts[when.value] += 1
            continue
        rows.append(_row(organisation_id, request, when, now))
    created = 0
    for start in range(0, len(rows), CHUNK):
        statement = (
            _insert(uow)(DeliveryRow)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["organisation_id", "dedup_key"])
            .returning(DeliveryRow.id)
        )
        created += len((await uow.session.execute(statement)).all())
    return EnqueueReport(created=created, duplicates=len(rows) - created, **counts)


def _row(
    organisation_id: int, request: DeliveryRequest, due_at: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "organisation_id": organisation_id,
        "job_id": request.job_id,
        "member_id": request.member_id,
        "kind": request.kind,
        "dedup_key": request.dedup_key,
        "payload": dict(request.payload),
        "due_at": due_at,
        "expires_at": request.expires_at,
        "state": DeliveryState.PENDING.value,
        "attempts": 0,
        "created_at": now,
    }


async def _member_prefs(
    uow: UnitOfWork, organisation_id: int, member_ids: set[int]
) -> dict[int, NotificationPrefs]:
    """Notification preferences of the active members among ``member_ids``."""
    found: dict[int, NotificationPrefs] = {}
    ids = sorted(member_ids)
    for start in range(0, len(ids), CHUNK):
        result = await uow.session.execute(
            select(MemberRow.id, MemberRow.preferences).where(
                MemberRow.organisation_id == organisation_id,
                MemberRow.active.is_(True),
                MemberRow.id.in_(ids[start : start + CHUNK]),
            )
        )
        for member_id, preferences in result.all():
            found[member_id] = NotificationPrefs.from_preferences(preferences)
    return found
