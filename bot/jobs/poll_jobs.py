"""Job handlers of polls: open and announce, remind non-voters, check turnout, close and report.

Each runs inside the dispatcher's unit of work and only writes: the poll's status change and
the deliveries it fans out commit together with the job, or not at all (then it is retried).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, not_

from bot.core.errors import DomainError
from bot.jobs import keys
from bot.jobs.audience import audience_and_voters, ids_with_roles, in_audience, non_voters
from bot.jobs.planning import cancel_poll_jobs, fan_out, plan_poll_jobs, reminder_request
from bot.jobs.settings import announce_chats
from bot.members.model import Role
from bot.members.repository import AuditRepository
from bot.members.service import OrganisationInfo, org_info
from bot.polls.model import DecisionRules, Poll, PollStatus
from bot.polls.service import PollsService
from bot.scheduling.model import DeliveryRequest, Job
from bot.scheduling.planning import EnqueueReport, enqueue_deliveries
from bot.storage.tables import MemberRow, OrganisationRow
from bot.storage.uow import UnitOfWork

STAFF = (Role.ADMIN, Role.BOARD)


async def organisation(uow: UnitOfWork, organisation_id: int) -> tuple[OrganisationInfo, Any]:
    """The organisation of a job, and its settings JSON."""
    row = await uow.session.get(OrganisationRow, organisation_id)
    if row is None:
        raise LookupError(organisation_id)
    return org_info(row), row.settings or {}


async def _locked_poll(service: PollsService, job: Job) -> Poll | None:
    try:
        _, poll = await service.lifecycle.locked(int(job.payload["poll"]))
    except DomainError:
        return None  # the poll is gone: nothing to do
    return poll


# --- opening -------------------------------------------------------------------------------


async def open_poll(uow: UnitOfWork, job: Job) -> None:
    """``poll.open``: open the poll if its time has come, then announce it (once)."""
    org, settings = await organisation(uow, job.organisation_id)
    service = PollsService(uow, org)
    poll = await _locked_poll(service, job)
    if poll is None:
        return
    now = uow.clock.now()
    if poll.due_to_open(now):
        try:
            poll = await service.lifecycle.move(None, poll.id, PollStatus.OPEN, now)
        except DomainError as error:
            payload = {"poll": poll.id, "error": error.key, "params": _plain(error.params)}
            dedup = f"notice:p{poll.id}:{keys.minute_label(now)}:"
            await notify_admins(uow, org.id, dedup, payload)
            return
    if poll.status is not PollStatus.OPEN:
        return
    await plan_poll_jobs(uow, poll, revive=False)
    await announce(uow, poll, job, settings)


async def announce(uow: UnitOfWork, poll: Poll, job: Job, settings: Any) -> EnqueueReport:
    """Plan the announcement of an open poll: a direct message to each person of its audience
    and a post in each announcement chat."""
    closes = poll.spec.closes_at
    prefix = keys.poll_deliveries("announce", poll.id)

    def make(member_id: int) -> DeliveryRequest:
        return DeliveryRequest(
            member_id=member_id,
            kind=keys.ANNOUNCEMENT,
            dedup_key=f"{prefix}m{member_id}",
            payload={"poll": poll.id},
            due_at=job.due_at,
            expires_at=closes,
            quiet=True,
            job_id=job.id,
        )

    report = await fan_out(uow, poll.organisation_id, in_audience(poll), make)
    chats = announce_chats(settings)
    if chats:
        admins = await ids_with_roles(uow, poll.organisation_id, (Role.ADMIN,))
        requests = [
            DeliveryRequest(
                member_id=chat.by if chat.by in admins else admins[0],
                kind=keys.CHAT_ANNOUNCEMENT,
                dedup_key=f"{prefix}chat:{chat.platform}:{chat.chat_key}"[:160],
                payload={"poll": poll.id, "platform": chat.platform, "chat": chat.chat_key},
                due_at=job.due_at,
                expires_at=closes,
                quiet=True,
                job_id=job.id,
            )
            for chat in chats
            if admins
        ]
        await enqueue_deliveries(uow, poll.organisation_id, requests)
    return report


# --- reminders and turnout -----------------------------------------------------------------


async def remind(uow: UnitOfWork, job: Job) -> None:
    """``poll.reminder``: remind the eligible members who have not answered yet."""
    org, _ = await organisation(uow, job.organisation_id)
    service = PollsService(uow, org)
    try:
        poll = await service.get(int(job.payload["poll"]))
    except DomainError:
        return
    if poll.status is not PollStatus.OPEN or not poll.accepting(uow.clock.now()):
        return
    label = str(job.payload.get("offset") or "reminder")
    await plan_reminders(uow, poll, label, job.due_at, job.id)


async def plan_reminders(
    uow: UnitOfWork, poll: Poll, label: str, due_at: datetime, job_id: int | None = None
) -> EnqueueReport:
    """Plan a reminder to each eligible member who has not answered (optional messages: an
    opt-out is respected; quiet hours defer them, or skip them if the poll closes first)."""
    make = reminder_request(poll, label, due_at, job_id)
    return await fan_out(uow, poll.organisation_id, non_voters(poll), make)


async def check_turnout(uow: UnitOfWork, job: Job) -> None:
    """``poll.turnout``: alert the admins about collèges whose participation is below quorum."""
    org, _ = await organisation(uow, job.organisation_id)
    service = PollsService(uow, org)
    try:
        poll = await service.get(int(job.payload["poll"]))
    except DomainError:
        return
    if poll.status is not PollStatus.OPEN:
        return
    low = await colleges_below_quorum(service, poll)
    if low is None or not low[1]:
        return
    quorum, colleges = low
    payload = {"poll": poll.id, "quorum": str(quorum), "colleges": colleges}
    await notify_admins(
        uow,
        org.id,
        keys.poll_deliveries("turnout", poll.id),
        payload,
        kind=keys.TURNOUT_ALERT,
        expires_at=poll.spec.closes_at,
        job_id=job.id,
    )


async def colleges_below_quorum(
    service: PollsService, poll: Poll
) -> tuple[Fraction, list[list[Any]]] | None:
    """The quorum and ``[collège, voted, eligible]`` for each collège below it (None: the
    poll has no quorum)."""
    statutes = await service.polls.statutes(poll.organisation_id, poll.statutes_version)
    quorum = DecisionRules.for_poll(poll.spec, statutes).quorum
    if quorum <= 0:
        return None
    eligible = await service.polls.eligible_counts(poll)
    voted = await service.box.voted_by_college(poll.id)
    low = [
        [college, voted.get(college, 0), count]
        for college, count in sorted(eligible.items())
        if count > 0 and Fraction(voted.get(college, 0), count) < quorum
    ]
    return quorum, low


# --- closing -------------------------------------------------------------------------------


async def close_poll(uow: UnitOfWork, job: Job) -> None:
    """``poll.close``: close the poll if its time has come (a secret poll's key is erased),
    then send the results report: with the exports to the board and admins, without to the
    rest of the audience."""
    org, _ = await organisation(uow, job.organisation_id)
    service = PollsService(uow, org)
    poll = await _locked_poll(service, job)
    if poll is None:
        return
    now = uow.clock.now()
    if poll.due_to_close(now):
        poll = await service.lifecycle.move(None, poll.id, PollStatus.CLOSED, now)
    if poll.status not in (PollStatus.CLOSED, PollStatus.ARCHIVED):
        return
    await cancel_poll_jobs(uow, poll.id, org.id, everything=False)
    staff = await ids_with_roles(uow, org.id, STAFF)
    prefix = keys.poll_deliveries("results", poll.id)

    def make(exports: bool) -> Any:
        def request(member_id: int) -> DeliveryRequest:
            return DeliveryRequest(
                member_id=member_id,
                kind=keys.RESULTS,
                dedup_key=f"{prefix}m{member_id}",
                payload={"poll": poll.id, "exports": exports},
                due_at=now,
                quiet=True,
                job_id=job.id,
            )

        return request

    await enqueue_deliveries(uow, org.id, [make(True)(member) for member in staff])
    others = and_(audience_and_voters(poll), not_(MemberRow.id.in_(staff or [0])))
    audience = await fan_out(uow, org.id, others, make(False))
    await AuditRepository(uow.session).record(
        org.id,
        None,
        "poll.report",
        f"#{poll.id} {poll.title}"[:200],
        None,
        {"staff": len(staff), "audience": audience.created},
        now,
    )


# --- telling the admins --------------------------------------------------------------------


async def notify_admins(
    uow: UnitOfWork,
    organisation_id: int,
    dedup_prefix: str,
    payload: dict[str, Any],
    *,
    kind: str = keys.ADMIN_NOTICE,
    expires_at: datetime | None = None,
    job_id: int | None = None,
    due_at: datetime | None = None,
) -> EnqueueReport:
    """Plan one message to each reachable administrator (now, or at ``due_at``)."""
    admins = await ids_with_roles(uow, organisation_id, (Role.ADMIN,))
    now = due_at or uow.clock.now()
    return await enqueue_deliveries(
        uow,
        organisation_id,
        [
            DeliveryRequest(
                member_id=admin,
                kind=kind,
                dedup_key=f"{dedup_prefix}m{admin}"[:160],
                payload=payload,
                due_at=now,
                expires_at=expires_at,
                quiet=True,
                job_id=job_id,
            )
            for admin in admins
        ],
    )


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Error parameters as JSON values."""
    return {key: v if isinstance(v, int | str) else str(v) for key, v in params.items()}
