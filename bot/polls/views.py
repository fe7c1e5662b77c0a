"""Read models the poll use cases return, for handlers and renderers (plain frozen values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.polls.model import Poll
from bot.polls.questions import Answer


class AnswerStatus(StrEnum):
    """Where a member stands with one poll."""

    NOT_STARTED = "not_started"
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class MemberPoll:
    """An open poll a member may answer, and whether they already did.

    ``changeable_until`` is the closing time (None: until an admin closes the poll); a ballot
    can be replaced until then.
    """

    poll: Poll
    status: AnswerStatus
    answered_at: datetime | None
    changeable_until: datetime | None


@dataclass(frozen=True, slots=True)
class Submission:
    """A ballot accepted: its receipt (secret polls; show it to the voter) and what happened."""

    poll_id: int
    receipt: str | None
    replaced: bool
    changeable_until: datetime | None


@dataclass(frozen=True, slots=True)
class MyBallot:
    """A member's current ballot while the poll is open (question position -> answer)."""

    poll_id: int
    answers: Mapping[int, Answer]
    receipt: str | None


@dataclass(frozen=True, slots=True)
class PollOverview:
    """A poll in the admin list, with how many took part."""

    poll: Poll
    voted: int


@dataclass(frozen=True, slots=True)
class DueTransitions:
    """Polls opened and closed because their time had come."""

    opened: tuple[int, ...]
    closed: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PublishedBallot:
    """One line of the published ballot list of a closed secret poll."""

    receipt: str
    college_key: str | None
    answers: Mapping[int, Answer]
