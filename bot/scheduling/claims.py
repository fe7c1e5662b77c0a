"""Claiming due rows with a lease, and changing them only while the claim is still ours.

One statement claims a batch::

    WITH due AS MATERIALIZED (
        SELECT id FROM deliveries
        WHERE (state = 'pending' AND due_at <= :now)
           OR (state = 'claimed' AND lease_until < :now)      -- a crashed claim, retaken
        ORDER BY due_at, id LIMIT :batch
        FOR UPDATE SKIP LOCKED)                               -- PostgreSQL only
    UPDATE deliveries SET state = 'claimed', claimed_by = :me, lease_until = :now + :lease,
                          attempts = attempts + 1
    WHERE id IN (SELECT id FROM due) RETURNING ...

On SQLite (3.35+) ``FOR UPDATE SKIP LOCKED`` is not rendered and the single UPDATE holds the
database's write lock, so the same statement is safe there too. A claim is identified by
``(id, claimed_by, attempts)``: every later change checks all three plus ``state = 'claimed'``,
so a worker whose lease expired and was retaken by another can never overwrite the new claim.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.model import Delivery, DeliveryState, Job, JobState
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow

PENDING = "pending"
CLAIMED = "claimed"

ScheduleTable = type[ScheduledJobRow] | type[DeliveryRow]


@dataclass(frozen=True, slots=True)
class ClaimRef:
    """What identifies one claim of one row: the row, and which attempt claimed it."""

    id: int
    attempts: int


class Claims:
    """Claim, confirm, finish, retry and release rows of one table for one worker."""

    def __init__(self, table: ScheduleTable, worker: str) -> None:
        self.table = table
        self.worker = worker

    # --- claiming ------------------------------------------------------------------------

    async def claim(
        self,
        session: AsyncSession,
        now: datetime,
        lease: timedelta,
        batch: int,
        kinds: Collection[str] | None = None,
    ) -> Sequence[Row[Any]]:
        """Claim up to ``batch`` due rows (and expired claims); returns the claimed rows."""
        t = self.table
        if kinds is not None and not kinds:
            return []
        due_rows = select(t.id).where(
            or_(
                and_(t.state == PENDING, t.due_at <= now),
                and_(t.state == CLAIMED, t.lease_until < now),
            )
        )
        if kinds is not None:
            due_rows = due_rows.where(t.kind.in_(sorted(kinds)))
        due = (
            due_rows.order_by(t.due_at, t.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        statement = (
            update(t)
            .where(t.id.in_(select(due.c.id)))
            .values(
                state=CLAIMED,
                claimed_by=self.worker,
                lease_until=now + lease,
                attempts=t.attempts + 1,
            )
            .returning(*self._returned())
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(statement)
        return sorted(result.all(), key=lambda row: (row.due_at, row.id))

    def _returned(self) -> list[Any]:
        t = self.table
        common: list[Any] = [t.id, t.organisation_id, t.kind, t.payload, t.due_at, t.attempts]
        if t is ScheduledJobRow:
            return [*common, ScheduledJobRow.key]
        return [
            *common,
            DeliveryRow.job_id,
            DeliveryRow.member_id,
            DeliveryRow.dedup_key,
            DeliveryRow.expires_at,
        ]

    # --- changing a claimed row ----------------------------------------------------------

    def mine(self, ref: ClaimRef) -> ColumnElement[bool]:
        """The condition "this row is still claimed by this claim"."""
        t = self.table
        return and_(
            t.id == ref.id,
            t.state == CLAIMED,
            t.claimed_by == self.worker,
            t.attempts == ref.attempts,
        )

    async def _change(self, session: AsyncSession, ref: ClaimRef, **values: Any) -> bool:
        statement = (
            update(self.table)
            .where(self.mine(ref))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def confirm(self, session: AsyncSession, ref: ClaimRef) -> bool:
        """Check the claim is still ours and lock the row for this transaction.

        On SQLite the no-op write takes the write lock up front, so a transaction that reads
        first and writes later cannot fail with a stale snapshot; on PostgreSQL it row-locks.
        """
        return await self._change(session, ref, claimed_by=self.worker)

    async def finish(
        self, session: AsyncSession, ref: ClaimRef, state: str, **values: Any
    ) -> bool:
        """Move a claimed row to a final state; False if the claim was lost."""
        return await self._change(session, ref, state=state, lease_until=None, **values)

    async def retry(
        self, session: AsyncSession, ref: ClaimRef, due_at: datetime, error: str | None
    ) -> bool:
        """Put a claimed row back in the queue for a later attempt."""
        return await self._change(
            session,
            ref,
            state=PENDING,
            due_at=due_at,
            claimed_by=None,
            lease_until=None,
            **{self._error_column: error},
        )

    async def postpone(
        self, session: AsyncSession, ref: ClaimRef, due_at: datetime, error: str | None
    ) -> bool:
        """Put a claimed row back for later without counting this attempt."""
        return await self._change(
            session,
            ref,
            state=PENDING,
            due_at=due_at,
            claimed_by=None,
            lease_until=None,
            attempts=self.table.attempts - 1,
            **{self._error_column: error},
        )

    async def release(self, session: AsyncSession, ref: ClaimRef) -> bool:
        """Give an untouched claim back (shutting down): due again now, attempt not counted."""
        return await self._change(
            session,
            ref,
            state=PENDING,
            claimed_by=None,
            lease_until=None,
            attempts=self.table.attempts - 1,
        )

    @property
    def _error_column(self) -> str:
        return "last_error" if self.table is ScheduledJobRow else "error"

    # --- when is the next row due --------------------------------------------------------

    async def next_due(
        self, session: AsyncSession, kinds: Collection[str] | None = None
    ) -> datetime | None:
        """The earliest due time of a pending row or expiry of a claim (None: nothing)."""
        t = self.table
        if kinds is not None and not kinds:
            return None
        pending = select(func.min(t.due_at)).where(t.state == PENDING)
        claimed = select(func.min(t.lease_until)).where(t.state == CLAIMED)
        if kinds is not None:
            pending = pending.where(t.kind.in_(sorted(kinds)))
            claimed = claimed.where(t.kind.in_(sorted(kinds)))
        times = [await session.scalar(pending), await session.scalar(claimed)]
        present = [moment for moment in times if moment is not None]
        return min(present) if present else None


def job_of(row: Row[Any]) -> Job:
    """A claimed job row as a value."""
    return Job(
        id=row.id,
        organisation_id=row.organisation_id,
        kind=row.kind,
        key=row.key,
        payload=dict(row.payload or {}),
        due_at=row.due_at,
        attempts=row.attempts,
    )


def delivery_of(row: Row[Any]) -> Delivery:
    """A claimed delivery row as a value."""
    return Delivery(
        id=row.id,
        organisation_id=row.organisation_id,
        job_id=row.job_id,
        member_id=row.member_id,
        kind=row.kind,
        dedup_key=row.dedup_key,
        payload=dict(row.payload or {}),
        due_at=row.due_at,
        attempts=row.attempts,
        expires_at=row.expires_at,
    )


__all__ = ["ClaimRef", "Claims", "DeliveryState", "JobState", "delivery_of", "job_of"]
