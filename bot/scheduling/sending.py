"""Sending claimed deliveries: claim -> send -> mark immediately, retries, reports.

Exactly-once in practice: a delivery is marked ``sent`` in its own short transaction right
after the sender returns, while at most ``max_in_flight`` sends (default 1) are between
"sent" and "marked" in a process. A crash in that window is the only way to send twice: the
claim expires and another worker sends again. Nothing is ever lost: an unmarked claim is
retaken after its lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row

from bot.platforms.ports import MessageRef
from bot.scheduling.claims import ClaimRef, Claims, delivery_of
from bot.scheduling.model import (
    DELIVERY_FAILED,
    MEMBER_UNREACHABLE,
    Backoff,
    Delivery,
    DeliveryState,
    OutcomeKind,
    SendOutcome,
)
from bot.scheduling.planning import schedule_job
from bot.storage.conversations import ChatMenuRepository
from bot.storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

MARK_RETRIES = (0.2, 1.0, 3.0)


class DeliverySender(Protocol):
    """Renders a delivery for its member and sends it on their preferred reachable platform.

    Must not raise for expected problems: return ``SendOutcome.retry(after)`` for transient
    ones (network, 5xx, flood wait), ``unreachable()`` when the member blocked the bot or has no
    reachable identity, ``failed(error)`` for permanent ones, ``skipped(reason)`` when the
    message has no point any more (it is cancelled), ``postponed(after)`` when nothing could
    be tried (the platform is not connected: the attempt is not counted). An exception
    counts as a retry.
    """

    async def send(self, delivery: Delivery) -> SendOutcome:
        """Send one delivery and say what happened."""
        ...


@dataclass(slots=True)
class DispatchStats:
    """Counters of what a dispatcher did (for tests, logs and benchmarks)."""

    jobs_done: int = 0
    jobs_retried: int = 0
    jobs_failed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    expired: int = 0
    skipped: int = 0
    postponed: int = 0
    released: int = 0
    lost_claims: int = 0
    errors: list[str] = field(default_factory=list)


def message_ref_json(ref: MessageRef | None) -> dict[str, Any] | None:
    """How a posted message's reference is stored."""
    if ref is None:
        return None
    return {
        "platform": ref.chat.platform,
        "chat_key": ref.chat.chat_key,
        "is_direct": ref.chat.is_direct,
        "message_key": ref.message_key,
    }


class DeliveryRunner:
    """Claims due deliveries for one worker and sends them one at a time."""

    def __init__(
        self,
        db: Database,
        sender: DeliverySender,
        claims: Claims,
        *,
        in_flight: asyncio.Semaphore,
        lease: timedelta,
        send_timeout: timedelta,
        batch: int,
        backoff: Backoff,
        stats: DispatchStats,
        stopping: asyncio.Event,
    ) -> None:
        self.db = db
        self.sender = sender
        self.claims = claims
        self.in_flight = in_flight
        self.lease = lease
        self.send_timeout = send_timeout
        self.batch = batch
        self.backoff = backoff
        self.stats = stats
        self.stopping = stopping

    async def run_batch(self) -> int:
        """Claim one batch and send it; returns how many rows were claimed."""
        claimed_at = self.db.clock.now()
        async with self.db.uow() as uow:
            rows = await self.claims.claim(uow.session, claimed_at, self.lease, self.batch)
            await uow.commit()
        lease_end = claimed_at + self.lease
        for index, row in enumerate(rows):
            async with self.in_flight:
                late = self.db.clock.now() + self.send_timeout >= lease_end
                if self.stopping.is_set() or late:
                    await self._release(rows[index:])
                    break
                await self._deliver(delivery_of(row))
        return len(rows)

    async def _release(self, rows: Sequence[Row[Any]]) -> None:
        async with self.db.uow() as uow:
            for row in rows:
                if await self.claims.release(uow.session, ClaimRef(row.id, row.attempts)):
                    self.stats.released += 1
            await uow.commit()

    async def _deliver(self, delivery: Delivery) -> None:
        now = self.db.clock.now()
        if delivery.attempts > self.backoff.max_attempts:
            outcome = SendOutcome.failed("too many attempts (interrupted sends)")
        elif delivery.expires_at is not None and now >= delivery.expires_at:
            await self._finish(delivery, DeliveryState.EXPIRED, error=None)
            self.stats.expired += 1
            return
        else:
            outcome = await self._send(delivery)
        await self._record(delivery, outcome)

    async def _send(self, delivery: Delivery) -> SendOutcome:
        try:
            return await asyncio.wait_for(
                self.sender.send(delivery), self.send_timeout.total_seconds()
            )
        except TimeoutError:
            return SendOutcome.retry(error="send timed out")
        except Exception as error:
            log.warning("delivery %s: sender raised %r", delivery.id, error)
            return SendOutcome.retry(error=repr(error)[:500])

    async def _record(self, delivery: Delivery, outcome: SendOutcome) -> None:
        """Write the outcome now; retry the write a few times (a lost mark is a duplicate)."""
        for pause in (*MARK_RETRIES, None):
            try:
                await self._write_outcome(delivery, outcome)
                return
            except Exception as error:
                if pause is None:
                    log.error("delivery %s: outcome not recorded: %r", delivery.id, error)
                    self.stats.errors.append(repr(error))
                    return
                await asyncio.sleep(pause)

    async def _write_outcome(self, delivery: Delivery, outcome: SendOutcome) -> None:
        now = self.db.clock.now()
        kind = outcome.kind
        if kind is OutcomeKind.SENT:
            ref = outcome.message_ref
            await self._finish(
                delivery,
                DeliveryState.SENT,
                error=None,
                menu=(ref, outcome.menu) if ref is not None and outcome.menu else None,
                sent_at=now,
                platform=ref.chat.platform if ref else None,
                message_ref=message_ref_json(ref),
            )
            self.stats.sent += 1
        elif kind is OutcomeKind.RETRY and not self.backoff.exhausted(delivery.attempts):
            delay = outcome.retry_after or self.backoff.delay(delivery.attempts)
            await self._retry(delivery, now + delay, outcome.error)
            self.stats.retried += 1
        elif kind is OutcomeKind.POSTPONED:
            await self._postpone(delivery, now + (outcome.retry_after or timedelta(0)), outcome)
            self.stats.postponed += 1
        elif kind is OutcomeKind.SKIPPED:
            await self._finish(delivery, DeliveryState.CANCELLED, error=outcome.error)
            self.stats.skipped += 1
        elif kind is OutcomeKind.UNREACHABLE:
            await self._finish(
                delivery,
                DeliveryState.UNREACHABLE,
                error=outcome.error,
                report=(MEMBER_UNREACHABLE, f"unreachable:member{delivery.member_id}"),
            )
            self.stats.unreachable += 1
        else:
            await self._finish(
                delivery,
                DeliveryState.FAILED,
                error=outcome.error or "failed",
                report=(DELIVERY_FAILED, f"delivery-failed:{delivery.id}"),
            )
            self.stats.failed += 1

    async def _finish(
        self,
        delivery: Delivery,
        state: DeliveryState,
        *,
        error: str | None,
        report: tuple[str, str] | None = None,
        menu: tuple[MessageRef, tuple[str, ...]] | None = None,
        **values: Any,
    ) -> None:
        ref = ClaimRef(delivery.id, delivery.attempts)
        async with self.db.uow() as uow:
            if not await self.claims.finish(uow.session, ref, state.value, error=error, **values):
                self._lost(delivery)
                return
            if report is not None:
                await _report(uow, delivery, report, error)
            if menu is not None:  # the sent message's buttons: the chat's numbered menu now
                sent, actions = menu
                await ChatMenuRepository(uow.session).put(
                    sent.chat.platform, sent.chat.chat_key, list(actions), uow.clock.now()
                )
            await uow.commit()

    async def _retry(self, delivery: Delivery, due_at: datetime, error: str | None) -> None:
        ref = ClaimRef(delivery.id, delivery.attempts)
        async with self.db.uow() as uow:
            if not await self.claims.retry(uow.session, ref, due_at, error):
                self._lost(delivery)
                return
            await uow.commit()

    async def _postpone(self, delivery: Delivery, due_at: datetime, outcome: SendOutcome) -> None:
        ref = ClaimRef(delivery.id, delivery.attempts)
        async with self.db.uow() as uow:
            if not await self.claims.postpone(uow.session, ref, due_at, outcome.error):
                self._lost(delivery)
                return
            await uow.commit()

    def _lost(self, delivery: Delivery) -> None:
        self.stats.lost_claims += 1
        log.warning(
            "delivery %s: claim lost (lease expired and retaken); it may be sent twice",
            delivery.id,
        )


async def _report(
    uow: UnitOfWork, delivery: Delivery, report: tuple[str, str], error: str | None
) -> None:
    """Plan a report job for admins (idempotent by its key: an unreachable member, once)."""
    kind, key = report
    await schedule_job(
        uow,
        delivery.organisation_id,
        kind,
        key,
        uow.clock.now(),
        {
            "delivery_id": delivery.id,
            "member_id": delivery.member_id,
            "delivery_kind": delivery.kind,
            "dedup_key": delivery.dedup_key,
            "error": (error or "")[:500],
        },
    )
