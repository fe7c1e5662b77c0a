"""The dispatcher on real SQLite and PostgreSQL with a frozen clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from bot.app import App
from bot.core.clock import FrozenClock
from bot.scheduling.claims import Claims
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.model import (
    DELIVERY_FAILED,
    MEMBER_UNREACHABLE,
    Backoff,
    DeliveryRequest,
    Job,
    SendOutcome,
)
from bot.scheduling.planning import (
    cancel_deliveries,
    cancel_jobs,
    enqueue_deliveries,
    reschedule_job,
    schedule_job,
)
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
from bot.storage.uow import UnitOfWork
from tests.support.loop import Ticker

MINUTE = timedelta(minutes=1)


async def plan(app: App, org_id: int, key: str, due_in: timedelta, kind: str = "test") -> bool:
    async with app.db.uow() as uow:
        created = await schedule_job(
            uow, org_id, kind, key, app.clock.now() + due_in, {"key": key}
        )
        await uow.commit()
    return created


async def enqueue(app: App, org_id: int, requests: list[DeliveryRequest]) -> Any:
    async with app.db.uow() as uow:
        report = await enqueue_deliveries(uow, org_id, requests)
        await uow.commit()
    return report


def request(member_id: int, key: str, app: App, **kwargs: Any) -> DeliveryRequest:
    values: dict[str, Any] = {"payload": {"n": member_id}, "quiet": False}
    values.update(kwargs)
    return DeliveryRequest(
        member_id=member_id,
        kind="test",
        dedup_key=key,
        due_at=values.pop("due_at", app.clock.now()),
        **values,
    )


async def test_a_job_due_later_runs_once_when_its_time_comes(
    app: App, clock: FrozenClock, org_id: int, make_dispatcher, rows
) -> None:
    ran: list[str] = []

    async def handler(uow: UnitOfWork, job: Job) -> None:
        ran.append(job.key)

    dispatcher = make_dispatcher()
    dispatcher.register("test", handler)
    await plan(app, org_id, "poll:1:close", 10 * MINUTE)
    await dispatcher.dispatch_once()
    assert ran == []
    assert await dispatcher.next_delay() == timedelta(seconds=30)  # capped
    clock.advance(9 * MINUTE + timedelta(seconds=45))
    assert await dispatcher.next_delay() == timedelta(seconds=15)
    clock.advance(timedelta(seconds=15))
    await dispatcher.dispatch_once()
    await dispatcher.dispatch_once()
    clock.advance(timedelta(days=1))
    await dispatcher.dispatch_once()
    assert ran == ["poll:1:close"]
    (job,) = await rows(ScheduledJobRow)
    assert (job.state, job.attempts, job.done_at) == ("done", 1, clock.now() - timedelta(days=1))


async def test_planning_is_idempotent_by_key(app: App, org_id: int, add_members, rows) -> None:
    assert await plan(app, org_id, "digest:2026-W02", MINUTE) is True
    assert await plan(app, org_id, "digest:2026-W02", 5 * MINUTE) is False
    assert len(await rows(ScheduledJobRow)) == 1
    (member,) = await add_members(1)
    first = await enqueue(app, org_id, [request(member, "reminder:poll1:72h:m", app)])
    again = await enqueue(app, org_id, [request(member, "reminder:poll1:72h:m", app)] * 2)
    assert (first.created, again.created, again.duplicates) == (1, 0, 2)
    assert len(await rows(DeliveryRow)) == 1


async def test_reschedule_and_cancel_pending_jobs(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, rows, sender
) -> None:
    ran: list[str] = []

    async def handler(uow: UnitOfWork, job: Job) -> None:
        ran.append(job.key)

    dispatcher = make_dispatcher()
    dispatcher.register("test", handler)
    for key in ("poll:4:close", "poll:4:reminder:72h", "poll:42:close"):
        await plan(app, org_id, key, 10 * MINUTE)
    members = await add_members(2)
    await enqueue(app, org_id, [request(m, f"poll:4:announce:{m}", app) for m in members])
    async with app.db.uow() as uow:
        assert await reschedule_job(uow, org_id, "poll:42:close", clock.now() + MINUTE)
        assert await cancel_jobs(uow, org_id, "poll:4:") == 2
        assert await cancel_deliveries(uow, org_id, "poll:4:") == 2
        await uow.commit()
    clock.advance(2 * MINUTE)
    await dispatcher.dispatch_once()
    assert ran == ["poll:42:close"]
    assert sender.sent == []
    assert [r.state for r in await rows(DeliveryRow)] == ["cancelled", "cancelled"]


async def test_a_crashed_claim_is_retaken_after_its_lease(
    app: App, clock: FrozenClock, org_id: int, make_dispatcher, rows
) -> None:
    ran: list[int] = []

    async def handler(uow: UnitOfWork, job: Job) -> None:
        ran.append(job.attempts)

    await plan(app, org_id, "poll:1:close", timedelta(0))
    async with app.db.uow() as uow:  # a worker claims it, then its process dies
        claimed = await Claims(ScheduledJobRow, "crashed").claim(
            uow.session, clock.now(), timedelta(minutes=5), 10
        )
        await uow.commit()
    assert len(claimed) == 1
    dispatcher = make_dispatcher()
    dispatcher.register("test", handler)
    await dispatcher.dispatch_once()
    assert ran == []  # still leased
    assert await dispatcher.next_delay() == timedelta(seconds=30)
    clock.advance(5 * MINUTE + timedelta(seconds=1))
    await dispatcher.dispatch_once()
    assert ran == [2]
    (job,) = await rows(ScheduledJobRow)
    assert (job.state, job.claimed_by) == ("done", "w/0")


async def test_a_claim_taken_over_cannot_be_marked_by_its_old_owner(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    (member,) = await add_members(1)
    await enqueue(app, org_id, [request(member, "k1", app)])
    old = Claims(DeliveryRow, "old")
    async with app.db.uow() as uow:
        (row,) = await old.claim(uow.session, clock.now(), MINUTE, 10)
        await uow.commit()
    clock.advance(2 * MINUTE)
    await make_dispatcher().dispatch_once()  # retakes and sends
    from bot.scheduling.claims import ClaimRef

    async with app.db.uow() as uow:
        assert not await old.finish(uow.session, ClaimRef(row.id, row.attempts), "failed")
        await uow.commit()
    (delivery,) = await rows(DeliveryRow)
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert len(sender.sent) == 1


async def test_deliveries_are_sent_and_marked_with_their_message_reference(
    app: App, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    members = await add_members(3)
    await enqueue(app, org_id, [request(m, f"announce:{m}", app) for m in members])
    stats = await make_dispatcher().dispatch_once()
    assert stats.sent == 3
    assert sorted(sender.member_ids()) == members
    for row in await rows(DeliveryRow):
        assert row.state == "sent" and row.platform == "shell"
        assert row.message_ref["chat_key"] == f"user{row.member_id}"
        assert row.sent_at == app.clock.now()


async def test_retries_back_off_then_fail_and_are_reported(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    (member,) = await add_members(1)
    sender.outcomes[member] = lambda d: SendOutcome.retry(error="502 Bad Gateway")
    await enqueue(app, org_id, [request(member, "reminder:1", app)])
    backoff = Backoff(base=timedelta(seconds=30), factor=2, max_attempts=4)
    dispatcher = make_dispatcher(config=DispatcherConfig(delivery_backoff=backoff))
    waits = []
    for _ in range(4):
        await dispatcher.dispatch_once()
        (row,) = await rows(DeliveryRow)
        waits.append(row.due_at - clock.now())
        await dispatcher.dispatch_once()  # nothing is due before the backoff
        clock.set(row.due_at)
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert len(sender.sent) == 4
    (row,) = await rows(DeliveryRow)
    assert (row.state, row.attempts, row.error) == ("failed", 4, "502 Bad Gateway")
    (report,) = await rows(ScheduledJobRow)
    assert report.kind == DELIVERY_FAILED and report.payload["member_id"] == member


async def test_a_retry_after_from_the_platform_overrides_the_backoff(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    (member,) = await add_members(1)
    sender.outcomes[member] = lambda d: (
        SendOutcome.retry(timedelta(seconds=7), "429") if d.attempts == 1 else SendOutcome.sent()
    )
    await enqueue(app, org_id, [request(member, "k", app)])
    dispatcher = make_dispatcher()
    await dispatcher.dispatch_once()
    (row,) = await rows(DeliveryRow)
    assert row.due_at == clock.now() + timedelta(seconds=7)
    clock.advance(timedelta(seconds=7))
    await dispatcher.dispatch_once()
    (row,) = await rows(DeliveryRow)
    assert row.state == "sent" and row.attempts == 2


async def test_a_sender_exception_counts_as_a_retry(
    app: App, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    (member,) = await add_members(1)

    def boom(delivery: Any) -> SendOutcome:
        raise ConnectionError("network down")

    sender.outcomes[member] = boom
    await enqueue(app, org_id, [request(member, "k", app)])
    stats = await make_dispatcher().dispatch_once()
    (row,) = await rows(DeliveryRow)
    assert (row.state, stats.retried) == ("pending", 1)
    assert "network down" in row.error


async def test_unreachable_members_are_marked_and_reported_once(
    app: App, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    gone, fine = await add_members(2)
    sender.outcomes[gone] = lambda d: SendOutcome.unreachable("403 blocked by user")
    await enqueue(
        app,
        org_id,
        [request(gone, "a", app), request(gone, "b", app), request(fine, "c", app)],
    )
    stats = await make_dispatcher().dispatch_once()
    assert (stats.unreachable, stats.sent) == (2, 1)
    states = {(r.member_id, r.dedup_key): r.state for r in await rows(DeliveryRow)}
    assert states == {(gone, "a"): "unreachable", (gone, "b"): "unreachable", (fine, "c"): "sent"}
    (report,) = await rows(ScheduledJobRow)
    assert (report.kind, report.key) == (MEMBER_UNREACHABLE, f"unreachable:member{gone}")


async def test_an_expired_delivery_is_not_sent(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    (member,) = await add_members(1)
    close = clock.now() + MINUTE
    await enqueue(app, org_id, [request(member, "k", app, expires_at=close)])
    sender.outcomes[member] = lambda d: SendOutcome.retry(timedelta(minutes=2))
    dispatcher = make_dispatcher()
    await dispatcher.dispatch_once()
    clock.advance(2 * MINUTE)
    stats = await dispatcher.dispatch_once()
    assert stats.expired == 1 and len(sender.sent) == 1
    (row,) = await rows(DeliveryRow)
    assert row.state == "expired"


async def test_a_failing_handler_is_retried_then_failed(
    app: App, clock: FrozenClock, org_id: int, make_dispatcher, rows
) -> None:
    calls: list[int] = []

    async def handler(uow: UnitOfWork, job: Job) -> None:
        calls.append(job.attempts)
        raise RuntimeError("poll vanished")

    config = DispatcherConfig(job_backoff=Backoff(base=MINUTE, max_attempts=3))
    dispatcher = make_dispatcher(config=config)
    dispatcher.register("test", handler)
    await plan(app, org_id, "poll:9:close", timedelta(0))
    for _ in range(3):
        await dispatcher.dispatch_once()
        clock.advance(timedelta(minutes=5))
    await dispatcher.dispatch_once()
    assert calls == [1, 2, 3]
    (job,) = await rows(ScheduledJobRow)
    assert job.state == "failed" and "poll vanished" in job.last_error


async def test_handler_writes_and_job_completion_commit_together(
    app: App, org_id: int, add_members, make_dispatcher, rows
) -> None:
    members = await add_members(3)
    attempts: list[int] = []

    async def fan_out(uow: UnitOfWork, job: Job) -> None:
        attempts.append(job.attempts)
        await enqueue_deliveries(
            uow,
            job.organisation_id,
            [request(m, f"{job.key}:m{m}", app, job_id=job.id) for m in members],
        )
        if job.attempts == 1:
            raise RuntimeError("crash half-way")

    config = DispatcherConfig(job_backoff=Backoff(base=timedelta(0)))
    dispatcher = make_dispatcher(config=config)
    dispatcher.register("test", fan_out)
    await plan(app, org_id, "poll:1:announce", timedelta(0))
    stats = await dispatcher.dispatch_once()
    assert attempts == [1, 2]
    assert stats.sent == 3
    deliveries = await rows(DeliveryRow)
    assert len(deliveries) == 3 and {d.job_id for d in deliveries} == {1}


async def test_unregistered_kinds_are_left_alone(
    app: App, org_id: int, make_dispatcher, rows
) -> None:
    await plan(app, org_id, "digest:2026-W02", timedelta(0), kind="digest")
    dispatcher = make_dispatcher()
    await dispatcher.dispatch_once()
    (job,) = await rows(ScheduledJobRow)
    assert job.state == "pending" and job.attempts == 0
    assert await dispatcher.next_delay() == timedelta(seconds=30)


async def test_quiet_hours_and_opt_outs_shape_a_reminder_fan_out(
    app: App, clock: FrozenClock, org_id: int, add_members, make_dispatcher, sender
) -> None:
    clock.set(clock.now().replace(hour=21, minute=0))  # 22:00 in Paris (winter)
    default = await add_members(2)
    (opted_out,) = await add_members(1, {"notifications": {"reminders": False}})
    (night_owl,) = await add_members(1, {"notifications": {"quiet": "off"}})
    close_soon = clock.now() + timedelta(hours=6)  # 04:00 Paris: before the morning
    close_later = clock.now() + timedelta(days=2)

    async def remind(uow: UnitOfWork, job: Job) -> None:
        closes = close_soon if job.payload["key"] == "poll:1:reminder:3h" else close_later
        report = await enqueue_deliveries(
            uow,
            job.organisation_id,
            [
                DeliveryRequest(
                    member_id=m,
                    kind="reminder",
                    dedup_key=f"{job.key}:m{m}",
                    payload={},
                    due_at=uow.clock.now(),
                    expires_at=closes,
                    optional=True,
                    job_id=job.id,
                )
                for m in [*default, opted_out, night_owl]
            ],
        )
        reports.append(report)

    reports: list[Any] = []
    dispatcher = make_dispatcher()
    dispatcher.register("test", remind)
    await plan(app, org_id, "poll:1:reminder:3h", timedelta(0))
    await plan(app, org_id, "poll:2:reminder:24h", timedelta(0))
    await dispatcher.dispatch_once()
    assert [(r.created, r.opted_out, r.too_late) for r in reports] == [(1, 1, 2), (3, 1, 0)]
    assert sender.member_ids() == [night_owl, night_owl]
    clock.advance(timedelta(hours=11))  # 08:00 Paris
    await dispatcher.dispatch_once()
    assert sorted(sender.member_ids()) == sorted([night_owl, night_owl, *default])


async def test_two_workers_share_a_fan_out_without_duplicates(
    app: App, org_id: int, add_members, make_dispatcher, sender, rows
) -> None:
    members = await add_members(200)
    await enqueue(app, org_id, [request(m, f"k{m}", app) for m in members])
    config = DispatcherConfig(batch=7, max_in_flight=2)
    first, second = make_dispatcher("a", config), make_dispatcher("b", config)
    await asyncio.gather(first.dispatch_once(), second.dispatch_once())
    assert sorted(sender.member_ids()) == members
    assert first.stats.sent > 0 and second.stats.sent > 0
    assert {r.state for r in await rows(DeliveryRow)} == {"sent"}


async def test_run_loop_wakes_up_and_stops_cleanly(
    app: App, org_id: int, add_members, make_dispatcher, sender
) -> None:
    (member,) = await add_members(1)
    config = DispatcherConfig(max_sleep=timedelta(seconds=20), workers=3)
    dispatcher = make_dispatcher(config=config)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    await asyncio.sleep(0.2)
    await enqueue(app, org_id, [request(member, "now", app)])
    dispatcher.wake()
    for _ in range(100):
        if sender.sent:
            break
        await asyncio.sleep(0.05)
    assert sender.member_ids() == [member]
    stop.set()
    await asyncio.wait_for(task, timeout=5)


async def test_a_long_job_does_not_hold_the_event_loop(
    app: App, org_id: int, make_dispatcher
) -> None:
    """On SQLite, statements of jobs run on a worker thread (`background_statements`)."""
    slow = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) "
        "SELECT count(*) FROM c"
    )
    counted: list[int] = []

    async def handler(uow: UnitOfWork, job: Job) -> None:
        counted.append(int(await uow.session.scalar(slow) or 0))

    dispatcher = make_dispatcher()
    dispatcher.register("test", handler)
    await plan(app, org_id, "report:1", timedelta(0))
    stop, ticker = asyncio.Event(), Ticker()
    ticking = asyncio.create_task(ticker.run(stop))
    await asyncio.sleep(0.03)
    await dispatcher.dispatch_once()
    stop.set()
    await ticking
    assert counted == [4_000_000]
    assert ticker.longest_gap() < 0.2, "the job held the event loop"
