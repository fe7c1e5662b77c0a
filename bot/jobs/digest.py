"""The board digest: what the board needs to know this week, aggregated in SQL.

Content: open polls with participation per collège and time left; polls closed since the last
digest with their outcome; how many free-text answers arrived since then; what opens or closes
in the coming week. Everything is counted by the database (``GROUP BY``), polls are the only
rows loaded, so generating it takes the same memory for 100 or 100,000 members.

The digest is computed once per job and stored in each board member's delivery (a few KB of
JSON); the sender renders it in the member's language. The job keeps a snapshot (when it was
generated, free-text answers per poll) so the next digest can say what is new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.jobs import keys
from bot.jobs.audience import ids_with_roles
from bot.jobs.poll_jobs import organisation
from bot.members.model import Role
from bot.members.service import OrganisationInfo
from bot.polls import results
from bot.polls.ballot_box import BallotBox
from bot.polls.codec import question_from_json
from bot.polls.model import Poll, PollStatus
from bot.polls.questions import QuestionMethod
from bot.polls.repository import PollRepository, poll_from_row
from bot.scheduling.model import DIGEST, DeliveryRequest, Job, JobState
from bot.scheduling.planning import enqueue_deliveries
from bot.storage.poll_tables import AnswerRow, PollRow, QuestionRow
from bot.storage.schedule_tables import ScheduledJobRow
from bot.storage.uow import UnitOfWork

WEEK = timedelta(days=7)
MAX_POLLS = 50


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last digest saw: when, and the free-text answers per poll then."""

    generated_at: datetime
    free_text: Mapping[str, int]


async def last_digest(uow: UnitOfWork, organisation_id: int) -> Previous | None:
    """The snapshot of the last digest sent (None before the first)."""
    payload = await uow.session.scalar(
        select(ScheduledJobRow.payload)
        .where(
            ScheduledJobRow.organisation_id == organisation_id,
            ScheduledJobRow.kind == DIGEST,
            ScheduledJobRow.state == JobState.DONE.value,
        )
        .order_by(ScheduledJobRow.done_at.desc(), ScheduledJobRow.id.desc())
        .limit(1)
    )
    snapshot = (payload or {}).get("snapshot")
    if not isinstance(snapshot, Mapping):
        return None
    try:
        return Previous(
            datetime.fromisoformat(snapshot["generated_at"]), dict(snapshot.get("free_text", {}))
        )
    except (KeyError, TypeError, ValueError):
        return None


async def digest_data(
    uow: UnitOfWork, org: OrganisationInfo, previous: Previous | None
) -> tuple[dict[str, Any], dict[str, int]]:
    """The digest (a JSON value) and the free-text snapshot to keep for the next one."""
    session = uow.session
    now = uow.clock.now()
    since = previous.generated_at if previous else now - WEEK
    polls, box = PollRepository(session), BallotBox(session)
    statutes = await polls.statutes(org.id, None)
    opened = await _polls(uow, org.id, PollRow.status == PollStatus.OPEN.value, PollRow.id)
    closed = await _polls(
        uow,
        org.id,
        PollRow.status.in_([PollStatus.CLOSED.value, PollStatus.ARCHIVED.value])
        & (PollRow.closed_at > since),
        PollRow.closed_at,
    )
    coming = await _polls(
        uow,
        org.id,
        (PollRow.status == PollStatus.SCHEDULED.value)
        & (PollRow.opens_at > now)
        & (PollRow.opens_at <= now + WEEK),
        PollRow.opens_at,
    )
    data: dict[str, Any] = {
        "generated_at": now.isoformat(),
        "since": since.isoformat(),
        "colleges": {c.key: [c.name_fr, c.name_en] for c in statutes.colleges},
        "open": [await _open_entry(polls, box, poll) for poll in opened],
        "closed": [await _closed_entry(polls, box, poll, now) for poll in closed],
        "coming": [
            {"id": p.id, "title": p.title, "event": "opens", "at": _iso(p.spec.opens_at)}
            for p in coming
        ]
        + [
            {"id": p.id, "title": p.title, "event": "closes", "at": _iso(p.spec.closes_at)}
            for p in opened
            if p.spec.closes_at is not None and p.spec.closes_at <= now + WEEK
        ],
    }
    data["coming"].sort(key=lambda item: item["at"])
    counts = await free_text_counts(uow, [p.id for p in [*opened, *closed]])
    seen = previous.free_text if previous else {}
    data["free_text"] = sum(max(0, n - int(seen.get(str(poll), 0))) for poll, n in counts.items())
    return data, {str(poll): n for poll, n in counts.items()}


async def _polls(uow: UnitOfWork, organisation_id: int, condition: Any, order: Any) -> list[Poll]:
    rows = list(
        await uow.session.scalars(
            select(PollRow)
            .where(PollRow.organisation_id == organisation_id, condition)
            .order_by(order, PollRow.id)
            .limit(MAX_POLLS)
        )
    )
    questions = await _questions(uow, [row.id for row in rows])
    return [poll_from_row(row, questions.get(row.id, ())) for row in rows]


async def _questions(uow: UnitOfWork, poll_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not poll_ids:
        return {}
    rows = await uow.session.scalars(
        select(QuestionRow)
        .where(QuestionRow.poll_id.in_(poll_ids))
        .order_by(QuestionRow.poll_id, QuestionRow.position)
    )
    found: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        question = replace(question_from_json(row.definition, position=row.position), id=row.id)
        found[row.poll_id] = (*found.get(row.poll_id, ()), question)
    return found


async def _open_entry(polls: PollRepository, box: BallotBox, poll: Poll) -> dict[str, Any]:
    eligible = await polls.eligible_counts(poll)
    voted = await box.voted_by_college(poll.id)
    colleges = [
        [key, voted.get(key, 0), max(count, voted.get(key, 0))]
        for key, count in sorted(eligible.items())
    ]
    return {
        "id": poll.id,
        "title": poll.title,
        "closes_at": _iso(poll.spec.closes_at),
        "voted": sum(c[1] for c in colleges),
        "eligible": sum(c[2] for c in colleges),
        "colleges": colleges,
    }


async def _closed_entry(
    polls: PollRepository, box: BallotBox, poll: Poll, now: datetime
) -> dict[str, Any]:
    outcome = await results.compute(polls, box, poll, now)
    questions = []
    for result in outcome.questions:
        if result.tally is None:
            continue
        labels = {o.key: o.label for o in result.question.options}
        winner = result.tally.winner
        entry: dict[str, Any] = {
            "prompt": result.question.prompt,
            "winner": labels.get(winner, winner) if winner is not None else None,
            "ballots": result.tally.turnout.ballots,
        }
        if result.question.method is QuestionMethod.SINGLE and result.majority is not None:
            entry["majority_met"] = result.majority.met
        questions.append(entry)
    quorum = outcome.quorum
    return {
        "id": poll.id,
        "title": poll.title,
        "closed_at": _iso(poll.closed_at),
        "voted": outcome.participation.voted,
        "eligible": outcome.participation.eligible,
        "quorum_met": quorum.met if quorum.threshold.value > 0 else None,
        "questions": questions,
    }


async def free_text_counts(uow: UnitOfWork, poll_ids: list[int]) -> dict[int, int]:
    """Free-text answers per poll (not empty), counted by the database."""
    if not poll_ids:
        return {}
    rows = await uow.session.execute(
        select(QuestionRow.poll_id, func.count())
        .select_from(AnswerRow)
        .join(QuestionRow, QuestionRow.id == AnswerRow.question_id)
        .where(
            QuestionRow.poll_id.in_(poll_ids),
            QuestionRow.method == QuestionMethod.FREE_TEXT.value,
            AnswerRow.text.is_not(None),
            AnswerRow.text != "",
        )
        .group_by(QuestionRow.poll_id)
    )
    return {int(poll): int(count) for poll, count in rows}


async def send_digest(uow: UnitOfWork, job: Job) -> None:
    """``digest``: compute the digest once, plan it for each board member, keep a snapshot."""
    org, _ = await organisation(uow, job.organisation_id)
    data, snapshot = await digest_data(uow, org, await last_digest(uow, org.id))
    board = await ids_with_roles(uow, org.id, (Role.BOARD,))
    now = uow.clock.now()
    await enqueue_deliveries(
        uow,
        org.id,
        [
            DeliveryRequest(
                member_id=member,
                kind=keys.DIGEST_MESSAGE,
                dedup_key=f"{job.key}:m{member}"[:160],
                payload={"digest": data},
                due_at=now,
                quiet=True,
                job_id=job.id,
            )
            for member in board
        ],
    )
    stored = {"generated_at": data["generated_at"], "free_text": snapshot}
    await uow.session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.id == job.id)
        .values(payload={**job.payload, "snapshot": stored, "recipients": len(board)})
        .execution_options(synchronize_session=False)
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
