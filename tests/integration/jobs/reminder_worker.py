"""A bot process reduced to its scheduler, sending reminders through the real delivery path.

Run: ``python -m tests.integration.jobs.reminder_worker URL NAME [options]``. The process runs
the application's job kinds (the ``poll.reminder`` job fans out one delivery per non-voter) and
the real ``PlatformDeliverySender`` (member, accounts, composer, rendering in the member's
language); only the platform is replaced by a messenger that records each message in
``sent_log`` (no unique key: the outside world). It exits when nothing is left to do.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, text, update

from bot.core.clock import SystemClock
from bot.jobs import keys
from bot.jobs.screens import Composers
from bot.jobs.service import register_jobs
from bot.platforms.ports import Capabilities, ChatRef, MessageRef, Screen
from bot.polls.form import parse_form, read_time_in
from bot.polls.repository import PollRepository
from bot.scheduling.delivery import PlatformDeliverySender
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.model import Backoff
from bot.scheduling.planning import schedule_job
from bot.scheduling.runner import Scheduling
from bot.storage.engine import create_engine
from bot.storage.poll_tables import PollRow
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
from bot.storage.tables import IdentityRow, MemberRow, OrganisationRow
from bot.storage.uow import Database, UnitOfWork
from tests.integration.scheduling.fanout_worker import log_metadata, sent_log
from tests.integration.worker_processes import serve_until_done, worker_parser

PLATFORM = "recorder"
CAPABILITIES = Capabilities(
    buttons=True,
    edit_messages=False,
    ephemeral_notice=False,
    native_polls=False,
    reactions_as_input=False,
    max_text=4096,
)


class RecordingMessenger:
    """A platform that records each message it is given (and may wait after it)."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, db: Database, name: str, pause: float) -> None:
        self.db, self.name, self.pause = db, name, pause

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        async with self.db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SET LOCAL synchronous_commit = off"))
            await conn.execute(
                insert(sent_log).values(
                    delivery_id=0,
                    member_id=int(chat.chat_key[1:]),
                    worker=self.name,
                    at=time.time(),
                )
            )
        assert "Reminder" in (screen.title or ""), screen
        if self.pause:
            await asyncio.sleep(self.pause)  # widen the sent-but-not-marked window
        return MessageRef(chat, "1")

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        raise NotImplementedError

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        return await self.send(ChatRef(PLATFORM, user_key, True), screen)


async def seed(url: str, recipients: int) -> Database:
    """An organisation without quiet hours, ``recipients`` members with one account each, an
    open poll, and its reminder job due now; an empty ``sent_log``."""
    db = Database(create_engine(url), SystemClock())
    async with db.engine.begin() as conn:
        await conn.run_sync(log_metadata.create_all)
        await conn.execute(delete(sent_log))
    async with db.uow() as uow:
        org = await uow.session.scalar(
            insert(OrganisationRow)
            .values(
                slug="reminders",
                name="Reminders",
                timezone="Europe/Paris",
                settings={},
                created_at=uow.clock.now(),
            )
            .returning(OrganisationRow.id)
        )
        assert org is not None
        await populate(uow, org, recipients, PLATFORM, lambda member: f"u{member}")
        await uow.commit()
    return db


async def populate(
    uow: UnitOfWork,
    org: int,
    members: int,
    platform: str,
    user_key: Callable[[int], str],
    language: str = "en",
) -> int:
    """In an organisation (its quiet hours turned off): ``members`` members with one account
    each on ``platform``, an open poll closing in two days, its reminder job due now."""
    now = uow.clock.now()
    row = await uow.session.get(OrganisationRow, org)
    assert row is not None
    row.settings = {**(row.settings or {}), "quiet_hours": "off"}
    ids: list[int] = []
    for start in range(0, members, 1000):
        ids += (
            await uow.session.scalars(
                insert(MemberRow)
                .values(
                    [
                        {
                            "organisation_id": org,
                            "display_name": f"m{i}",
                            "language": language,
                            "preferences": {},
                            "active": True,
                            "created_at": now,
                        }
                        for i in range(start, min(members, start + 1000))
                    ]
                )
                .returning(MemberRow.id)
            )
        ).all()
    for start in range(0, len(ids), 1000):
        await uow.session.execute(
            insert(IdentityRow).values(
                [
                    {
                        "organisation_id": org,
                        "member_id": m,
                        "platform": platform,
                        "user_key": user_key(m),
                        "display_name": f"m{m}",
                        "reachable": True,
                        "created_at": now,
                    }
                    for m in ids[start : start + 1000]
                ]
            )
        )
    spec = parse_form(
        "Budget; type: consultation; secret: no; q: Do you agree? | single | Yes | No",
        read_time_in(now, "Europe/Paris"),
    )
    poll = await PollRepository(uow.session).add(org, spec, None, now)
    poll_row = await uow.session.get(PollRow, poll)
    assert poll_row is not None
    poll_row.status, poll_row.opened_at = "open", now
    poll_row.closes_at = now + timedelta(days=2)
    await uow.session.flush()
    await schedule_job(
        uow,
        org,
        keys.POLL_REMINDER,
        keys.reminder_job(poll, "24h"),
        now,
        {"poll": poll, "offset": "24h"},
    )
    # Announced already (or the poll sweep of a bot process would announce it now).
    await schedule_job(uow, org, keys.POLL_OPEN, keys.open_job(poll), now, {"poll": poll})
    await uow.session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.key == keys.open_job(poll))
        .values(state="done", done_at=now)
    )
    return poll


async def sends_per_member(db: Database) -> Counter[int]:
    async with db.engine.connect() as conn:
        return Counter((await conn.execute(select(sent_log.c.member_id))).scalars().all())


async def unfinished(db: Database) -> int:
    """Jobs and deliveries not finished yet."""
    async with db.uow() as uow:
        jobs = await uow.session.scalar(
            select(func.count())
            .select_from(ScheduledJobRow)
            .where(ScheduledJobRow.state.in_(("pending", "claimed")))
        )
        deliveries = await uow.session.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(DeliveryRow.state.in_(("pending", "claimed")))
        )
    return int(jobs or 0) + int(deliveries or 0)


async def main(args: argparse.Namespace) -> None:
    db = Database(create_engine(args.url), SystemClock())
    messenger = RecordingMessenger(db, args.name, args.pause_after_send_ms / 1000)
    sender = PlatformDeliverySender(
        db, {PLATFORM: messenger}, Composers().table(), frozenset({PLATFORM})
    )
    config = DispatcherConfig(
        workers=args.workers,
        batch=20,
        job_lease=timedelta(seconds=args.lease),
        delivery_lease=timedelta(seconds=args.lease),
        send_timeout=timedelta(seconds=min(5.0, args.lease / 2)),
        max_in_flight=args.in_flight,
        max_sleep=timedelta(seconds=0.3),
        min_sleep=timedelta(milliseconds=20),
        delivery_backoff=Backoff(base=timedelta(milliseconds=50), max_attempts=20),
    )
    scheduling = Scheduling.build(db, sender, config, worker_id=args.name)
    register_jobs(scheduling)
    stats = scheduling.dispatcher.stats

    async def done() -> bool:
        return not await unfinished(db)

    await serve_until_done(
        args.name,
        scheduling.dispatcher.run,
        done,
        lambda: f"jobs={stats.jobs_done} sent={stats.sent} lost_claims={stats.lost_claims}",
        first_check_after=0.5,
    )
    await db.dispose()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    return worker_parser(lease=5.0).parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
