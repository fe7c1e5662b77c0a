"""The job dispatcher: an asyncio loop that runs due jobs and sends due deliveries.

Several dispatchers (asyncio workers in one process, several processes on one PostgreSQL
database) share the work safely: every row is claimed with a lease (see ``claims``). A job's
handler runs inside a unit of work that also marks the job done, so what the handler writes
(deliveries, follow-up jobs) and the job's completion commit together or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.scheduling.claims import ClaimRef, Claims, job_of
from bot.scheduling.model import Backoff, Job, JobState
from bot.scheduling.sending import DeliveryRunner, DeliverySender, DispatchStats
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
from bot.storage.sqlite_inline import background_statements
from bot.storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

JobHandler = Callable[[UnitOfWork, Job], Awaitable[None]]
"""Runs one due job inside the given unit of work; the dispatcher commits it with the job.

Write only through this unit of work (no second one: on SQLite it would wait for the write
lock this one holds), send nothing over the network (plan deliveries instead), and raise to
have the job retried with backoff.
"""


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    """Tuning of a dispatcher; the defaults suit one small organisation on one process."""

    workers: int = 2
    batch: int = 20
    job_lease: timedelta = timedelta(minutes=5)
    delivery_lease: timedelta = timedelta(minutes=2)
    send_timeout: timedelta = timedelta(seconds=30)
    max_in_flight: int = 1
    max_sleep: timedelta = timedelta(seconds=30)
    min_sleep: timedelta = timedelta(milliseconds=100)
    job_backoff: Backoff = field(default_factory=Backoff)
    delivery_backoff: Backoff = field(default_factory=Backoff)
    max_rounds: int = 10_000

    def __post_init__(self) -> None:
        # A send must fit in what is left of the lease, or every claimed batch is given back
        # at once and claimed again, in a busy loop.
        if self.delivery_lease <= self.send_timeout:
            raise ValueError("delivery_lease must be longer than send_timeout")


def default_worker_id() -> str:
    """``host:pid:random`` - unique per dispatcher, readable in the tables."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobDispatcher:
    """Runs registered job kinds and sends deliveries; ``run()`` loops until stopped."""

    def __init__(
        self,
        db: Database,
        sender: DeliverySender,
        config: DispatcherConfig | None = None,
        *,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.sender = sender
        self.config = config or DispatcherConfig()
        self.worker_id = worker_id or default_worker_id()
        self.stats = DispatchStats()
        self._handlers: dict[str, JobHandler] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight = asyncio.Semaphore(self.config.max_in_flight)

    # --- configuration -------------------------------------------------------------------

    def register(self, kind: str, handler: JobHandler) -> None:
        """Handle jobs of ``kind``; only registered kinds are ever claimed by this dispatcher."""
        if kind in self._handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self._handlers[kind] = handler

    @property
    def kinds(self) -> frozenset[str]:
        """The job kinds this dispatcher runs."""
        return frozenset(self._handlers)

    def wake(self) -> None:
        """Look for due work now (e.g. a poll was just created with a job due soon)."""
        self._wake.set()

    # --- one pass ------------------------------------------------------------------------

    async def dispatch_once(self) -> DispatchStats:
        """Run everything due now with one worker, until nothing is left; returns the totals."""
        await self._drain(0, self.config.max_rounds)
        return self.stats

    async def _drain(self, worker: int, max_rounds: int) -> None:
        name = f"{self.worker_id}/{worker}"
        jobs = Claims(ScheduledJobRow, name)
        deliveries = DeliveryRunner(
            self.db,
            self.sender,
            Claims(DeliveryRow, name),
            in_flight=self._in_flight,
            lease=self.config.delivery_lease,
            send_timeout=self.config.send_timeout,
            batch=self.config.batch,
            backoff=self.config.delivery_backoff,
            stats=self.stats,
            stopping=self._stopping,
        )
        for _ in range(max_rounds):
            if self._stopping.is_set():
                return
            claimed = await self._run_jobs(jobs)
            claimed += await deliveries.run_batch()
            if claimed == 0:
                return

    async def _run_jobs(self, claims: Claims) -> int:
        now = self.db.clock.now()
        async with self.db.uow() as uow:
            rows = await claims.claim(
                uow.session, now, self.config.job_lease, self.config.batch, self.kinds
            )
            await uow.commit()
        with background_statements():  # a digest or a fan-out must not hold the chats up
            for row in rows:
                await self._run_job(claims, job_of(row))
        return len(rows)

    async def _run_job(self, claims: Claims, job: Job) -> None:
        ref = ClaimRef(job.id, job.attempts)
        backoff = self.config.job_backoff
        try:
            if job.attempts > backoff.max_attempts:
                raise RuntimeError("too many attempts (interrupted runs)")
            async with self.db.uow() as uow:
                if not await claims.confirm(uow.session, ref):
                    self._lost(job)
                    return
                await self._handlers[job.kind](uow, job)
                now = uow.clock.now()
                if not await claims.finish(
                    uow.session, ref, JobState.DONE, done_at=now, last_error=None
                ):
                    self._lost(job)
                    return
                await uow.commit()
            self.stats.jobs_done += 1
        except Exception as error:
            log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
            await self._job_failed(claims, job, ref, repr(error)[:1000])

    async def _job_failed(self, claims: Claims, job: Job, ref: ClaimRef, error: str) -> None:
        backoff = self.config.job_backoff
        async with self.db.uow() as uow:
            now = uow.clock.now()
            if backoff.exhausted(job.attempts):
                changed = await claims.finish(
                    uow.session, ref, JobState.FAILED, done_at=now, last_error=error
                )
                self.stats.jobs_failed += changed
                if changed:
                    log.error("job %s (%s) failed for good: %s", job.id, job.key, error)
            else:
                due = now + backoff.delay(job.attempts)
                self.stats.jobs_retried += await claims.retry(uow.session, ref, due, error)
            await uow.commit()

    def _lost(self, job: Job) -> None:
        self.stats.lost_claims += 1
        log.warning("job %s: claim lost (lease expired and retaken)", job.id)

    # --- the loop ------------------------------------------------------------------------

    async def next_delay(self) -> timedelta:
        """How long to sleep: until the next due row or lease expiry, within the bounds."""
        async with self.db.uow() as uow:
            moments = [
                await Claims(ScheduledJobRow, self.worker_id).next_due(uow.session, self.kinds),
                await Claims(DeliveryRow, self.worker_id).next_due(uow.session),
            ]
            now = uow.clock.now()
        present = [moment for moment in moments if moment is not None]
        delay = (min(present) - now) if present else self.config.max_sleep
        return max(self.config.min_sleep, min(delay, self.config.max_sleep))

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch with ``workers`` concurrent workers until ``stop`` is set; never raises."""
        self._stopping.clear()
        watcher = asyncio.create_task(self._watch(stop))
        try:
            while not stop.is_set():
                self._wake.clear()
                delay = self.config.max_sleep
                try:
                    await asyncio.gather(
                        *(self._guarded_drain(n) for n in range(self.config.workers))
                    )
                    delay = await self.next_delay()
                except Exception:
                    log.exception("dispatcher round failed; retrying after a pause")
                await _first_of((stop, self._wake), delay)
        finally:
            watcher.cancel()

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stopping.set()

    async def _guarded_drain(self, worker: int) -> None:
        try:
            await self._drain(worker, self.config.max_rounds)
        except Exception:
            log.exception("dispatcher worker %s failed; it will try again", worker)


async def _first_of(events: Iterable[asyncio.Event], limit: timedelta) -> None:
    """Wait until one of the events is set, or ``limit`` has passed."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(
            waiters, timeout=limit.total_seconds(), return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for waiter in waiters:
            waiter.cancel()
