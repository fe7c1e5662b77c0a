"""A bot process reduced to its dispatcher, for multi-process tests and benchmarks.

Run: ``python -m tests.integration.scheduling.fanout_worker URL NAME [options]``. It sends
every due delivery through a sender that records each message in ``sent_log`` (deliberately
without a unique key: the "outside world", durable as soon as it is sent) and exits when no
delivery is pending or claimed any more.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)

from bot.core.clock import SystemClock
from bot.scheduling.dispatcher import DispatcherConfig, JobDispatcher
from bot.scheduling.model import Backoff, Delivery, DeliveryRequest, SendOutcome
from bot.scheduling.planning import enqueue_deliveries
from bot.storage.engine import create_engine
from bot.storage.schedule_tables import DeliveryRow
from bot.storage.tables import MemberRow, OrganisationRow
from bot.storage.uow import Database
from tests.integration.worker_processes import serve_until_done, worker_parser

log_metadata = MetaData()
sent_log = Table(
    "sent_log",
    log_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, nullable=False),
    Column("member_id", Integer, nullable=False),
    Column("worker", String(80), nullable=False),
    Column("at", Float, nullable=False),
)


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.rate, self.capacity = rate, float(burst)
        self.tokens, self.last = float(burst), time.monotonic()

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


class RecordingSender:
    """Sends by appending to ``sent_log``; fails transiently now and then (not recorded)."""

    def __init__(self, db: Database, name: str, args: argparse.Namespace) -> None:
        self.db, self.name, self.args = db, name, args
        self.bucket = TokenBucket(args.rate) if args.rate else None
        self.random = random.Random(name)

    async def send(self, delivery: Delivery) -> SendOutcome:
        if self.bucket is not None:
            await self.bucket.acquire()
        if self.args.delay_ms:
            await asyncio.sleep(self.random.uniform(0, self.args.delay_ms) / 1000)
        if self.args.latency_ms:  # a platform's round trip
            await asyncio.sleep(self.args.latency_ms / 1000)
        if self.random.random() < self.args.fail_rate:
            return SendOutcome.retry(error="simulated 502")
        async with self.db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # the outside world needs no fsync here
                await conn.execute(text("SET LOCAL synchronous_commit = off"))
            await conn.execute(
                insert(sent_log).values(
                    delivery_id=delivery.id,
                    member_id=delivery.member_id,
                    worker=self.name,
                    at=time.time(),
                )
            )
        if self.args.pause_after_send_ms:  # widen the sent-but-not-marked window
            await asyncio.sleep(self.args.pause_after_send_ms / 1000)
        return SendOutcome.sent()


async def seed(url: str, recipients: int) -> Database:
    """An organisation, ``recipients`` members and one due delivery each; an empty sent_log."""
    db = Database(create_engine(url), SystemClock())
    async with db.engine.begin() as conn:
        await conn.run_sync(log_metadata.create_all)
        await conn.execute(delete(sent_log))
    async with db.uow() as uow:
        now = uow.clock.now()
        org_id = await uow.session.scalar(
            insert(OrganisationRow)
            .values(slug="fanout", name="Fan-out", timezone="UTC", settings={}, created_at=now)
            .returning(OrganisationRow.id)
        )
        assert org_id is not None
        members = (
            await uow.session.scalars(
                insert(MemberRow)
                .values(
                    [
                        {
                            "organisation_id": org_id,
                            "display_name": f"m{i}",
                            "preferences": {},
                            "active": True,
                            "created_at": now,
                        }
                        for i in range(recipients)
                    ]
                )
                .returning(MemberRow.id)
            )
        ).all()
        report = await enqueue_deliveries(
            uow,
            org_id,
            [
                # not deferred by quiet hours: the fan-out is tested at any time of day
                DeliveryRequest(
                    m, "reminder", f"reminder:poll1:72h:member{m}", {}, now, quiet=False
                )
                for m in members
            ],
        )
        await uow.commit()
    assert report.created == recipients
    return db


async def sends_per_delivery(db: Database) -> Counter[int]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(sent_log.c.delivery_id))).scalars().all()
    return Counter(rows)


async def count_sent(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(sent_log)) or 0)


async def remaining(db: Database) -> int:
    """Deliveries not finished yet."""
    async with db.uow() as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(DeliveryRow.state.in_(("pending", "claimed")))
        )
    return int(count or 0)


async def main(args: argparse.Namespace) -> None:
    db = Database(create_engine(args.url), SystemClock())
    config = DispatcherConfig(
        workers=args.workers,
        batch=args.batch,
        delivery_lease=timedelta(seconds=args.lease),
        send_timeout=timedelta(seconds=min(5.0, args.lease / 2)),
        max_in_flight=args.in_flight,
        max_sleep=timedelta(seconds=0.3),
        min_sleep=timedelta(milliseconds=20),
        delivery_backoff=Backoff(base=timedelta(milliseconds=50), max_attempts=20),
    )
    dispatcher = JobDispatcher(db, RecordingSender(db, args.name, args), config)
    stats = dispatcher.stats

    async def done() -> bool:
        return await remaining(db) == 0

    await serve_until_done(
        args.name,
        dispatcher.run,
        done,
        lambda: f"sent={stats.sent} retried={stats.retried} lost_claims={stats.lost_claims}",
    )
    await db.dispose()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = worker_parser(lease=2.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--delay-ms", type=float, default=2.0, help="random 0..N ms per send")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="fixed ms per send")
    parser.add_argument("--fail-rate", type=float, default=0.03)
    parser.add_argument("--rate", type=float, default=0.0, help="messages/s ceiling (0: none)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
