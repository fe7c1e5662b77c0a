"""Status changes of a poll inside one unit of work: lock, check, apply, seal, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.errors import DomainError
from bot.members.model import Member
from bot.members.repository import AuditRepository
from bot.polls import open_polls
from bot.polls.model import Poll, PollKind, PollStatus
from bot.polls.repository import PollRepository
from bot.polls.seal import seal_ballot_box
from bot.polls.secrecy import new_poll_secret
from bot.storage.poll_tables import PollRow


class Lifecycle:
    """Applies lifecycle moves to locked poll rows and records each one in the audit log."""

    def __init__(
        self,
        organisation_id: int,
        polls: PollRepository,
        audit: AuditRepository,
    ) -> None:
        self.organisation_id = organisation_id
        self.polls = polls
        self.audit = audit

    async def locked(self, poll_id: int) -> tuple[PollRow, Poll]:
        """The poll row locked for a status change, and its domain view."""
        row = await self.polls.lock(self.organisation_id, poll_id)
        if row is None:
            raise DomainError("poll.unknown", {"poll": poll_id})
        return row, await self.polls.to_poll(row)

    async def move(
        self,
        actor: Member | None,
        poll_id: int,
        target: PollStatus,
        now: datetime,
        note: dict[str, Any] | None = None,
    ) -> Poll:
        """Move a poll to ``target`` after checking the lifecycle rules (``note`` is audited)."""
        row, poll = await self.locked(poll_id)
        poll.check_transition(target, now)
        open_polls.forget(self.polls.session.bind, poll_id)
        before = poll.status.value
        details: dict[str, Any] = {"status": target.value, **(note or {})}
        if target is PollStatus.OPEN:
            details.update(await self._open(row, poll, now))
        elif target is PollStatus.CLOSED or (
            target is PollStatus.CANCELLED and poll.status is PollStatus.OPEN
        ):
            details.update(await self._close(row, poll))
        row.status = target.value
        row.updated_at = now
        if target is PollStatus.CLOSED:
            row.closed_at = now
        await self.polls.session.flush()
        await self.record(actor, f"poll.{_verb(poll.status, target)}", poll, before, details, now)
        return await self.polls.to_poll(row)

    async def _open(self, row: PollRow, poll: Poll, now: datetime) -> dict[str, Any]:
        statutes = await self.polls.statutes(self.organisation_id, None)
        for college in poll.spec.audience.colleges:
            statutes.college(college)
        if (
            poll.spec.kind is PollKind.DELIBERATION
            and statutes.colleges
            and not statutes.weights_are_valid
        ):
            raise DomainError("poll.statutes_invalid", {"poll": poll.id})
        row.statutes_version = statutes.version
        row.opened_at = now
        if poll.is_secret:
            row.secret = new_poll_secret()
        return {"statutes_version": statutes.version}

    async def _close(self, row: PollRow, poll: Poll) -> dict[str, Any]:
        """Freeze who was eligible; in a secret poll, erase the secret and seal the box."""
        row.eligible = await self.polls.eligible_counts(poll)
        details: dict[str, Any] = {"eligible": sum(row.eligible.values())}
        if poll.is_secret:
            row.secret = None
            await self.polls.session.flush()
            details["sealed_ballots"] = await seal_ballot_box(self.polls.session, poll.id)
        return details

    async def record(
        self, actor: Member | None, action: str, poll: Poll, before: Any, after: Any, at: datetime
    ) -> None:
        """Append an entry to the audit log about this poll."""
        target = f"#{poll.id} {poll.title}"[:200]
        await self.audit.record(
            self.organisation_id, actor.id if actor else None, action, target, before, after, at
        )


def _verb(current: PollStatus, target: PollStatus) -> str:
    if current is PollStatus.SCHEDULED and target is PollStatus.DRAFT:
        return "unschedule"
    return {
        PollStatus.SCHEDULED: "schedule",
        PollStatus.OPEN: "open",
        PollStatus.CLOSED: "close",
        PollStatus.CANCELLED: "cancel",
        PollStatus.ARCHIVED: "archive",
        PollStatus.DRAFT: "edit",
    }[target]
