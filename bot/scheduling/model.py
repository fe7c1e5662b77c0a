"""Values of the schedule: job and delivery states, claimed rows, send outcomes, backoff.

Pure: no SQLAlchemy, no I/O. The storage rows live in ``bot.storage.schedule_tables``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.platforms.ports import MessageRef


class JobState(StrEnum):
    """Life of a scheduled job (``pending -> claimed -> done``, or back to pending on retry)."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryState(StrEnum):
    """Life of one message to one member."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class OutcomeKind(StrEnum):
    """What happened when a delivery was handed to the sender."""

    SENT = "sent"
    RETRY = "retry"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    SKIPPED = "skipped"
    POSTPONED = "postponed"


# Job kinds the scheduling core creates itself; handlers for them are registered by the app.
DIGEST = "digest"
DELIVERY_FAILED = "delivery.failed"
MEMBER_UNREACHABLE = "member.unreachable"


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed scheduled job, as its handler sees it."""

    id: int
    organisation_id: int
    kind: str
    key: str
    payload: Mapping[str, Any]
    due_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed delivery: one message for one member, rendered by the sender."""

    id: int
    organisation_id: int
    job_id: int | None
    member_id: int
    kind: str
    dedup_key: str
    payload: Mapping[str, Any]
    due_at: datetime
    attempts: int
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """A message to plan for one member; ``dedup_key`` makes planning it twice a no-op.

    ``optional`` messages (reminders) respect the member's ``/notifications off``;
    ``quiet`` ones are deferred out of quiet hours; a message that could not go out before
    ``expires_at`` (e.g. the poll's close) is skipped, and expires if still queued then.
    """

    member_id: int
    kind: str
    dedup_key: str
    payload: Mapping[str, Any]
    due_at: datetime
    expires_at: datetime | None = None
    optional: bool = False
    quiet: bool = True
    job_id: int | None = None


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The sender's verdict on one delivery; build it with the static constructors."""

    kind: OutcomeKind
    message_ref: MessageRef | None = None
    retry_after: timedelta | None = None
    error: str | None = None
    #: The encoded actions of the sent message's buttons: the chat's numbered menu from now
    #: on (typing `1` presses the first), written with the delivery's outcome.
    menu: tuple[str, ...] = ()

    @staticmethod
    def sent(message_ref: MessageRef | None = None, menu: tuple[str, ...] = ()) -> SendOutcome:
        """The message went out (``message_ref`` says where, when known)."""
        return SendOutcome(OutcomeKind.SENT, message_ref=message_ref, menu=menu)

    @staticmethod
    def retry(after: timedelta | None = None, error: str = "") -> SendOutcome:
        """A transient problem: try again later (``after`` overrides the backoff)."""
        return SendOutcome(OutcomeKind.RETRY, retry_after=after, error=error or None)

    @staticmethod
    def unreachable(error: str = "") -> SendOutcome:
        """The member cannot be reached on any platform (blocked the bot, no identity)."""
        return SendOutcome(OutcomeKind.UNREACHABLE, error=error or None)

    @staticmethod
    def failed(error: str) -> SendOutcome:
        """A permanent problem: do not try again."""
        return SendOutcome(OutcomeKind.FAILED, error=error)

    @staticmethod
    def postponed(after: timedelta, reason: str = "") -> SendOutcome:
        """Nothing was tried: the platform is not connected yet. Try again after ``after``
        without counting an attempt (the message waits for the platform, or its expiry)."""
        return SendOutcome(OutcomeKind.POSTPONED, retry_after=after, error=reason or None)

    @staticmethod
    def skipped(reason: str) -> SendOutcome:
        """Nothing to send any more (the member voted since, the poll was cancelled):
        the delivery is cancelled, nobody is told."""
        return SendOutcome(OutcomeKind.SKIPPED, error=reason)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff: ``base * factor**(attempt-1)``, capped; ``failed`` after the last."""

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 5

    def delay(self, attempt: int) -> timedelta:
        """Wait before the attempt following attempt number ``attempt`` (1-based)."""
        seconds = self.base.total_seconds() * self.factor ** max(attempt - 1, 0)
        return min(timedelta(seconds=seconds), self.cap)

    def exhausted(self, attempt: int) -> bool:
        """True when attempt number ``attempt`` was the last one allowed."""
        return attempt >= self.max_attempts
