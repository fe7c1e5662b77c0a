"""Pure rules of polls: kinds, audience, secrecy, visibility, lifecycle, eligibility, ballots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from bot.core.errors import DomainError
from bot.members.model import Member, Role, Statutes
from bot.polls.questions import Answer, Question

MAX_TITLE = 200
MAX_SUMMARY = 2000
MAX_QUESTIONS = 30


class PollKind(StrEnum):
    """Advisory consultation or binding deliberation."""

    CONSULTATION = "consultation"
    DELIBERATION = "deliberation"


class Secrecy(StrEnum):
    """Whether the ballot box keeps who answered what."""

    NOMINATIVE = "nominative"
    SECRET = "secret"


class ResultsVisibility(StrEnum):
    """When voters may see results."""

    LIVE = "live"
    AFTER_VOTING = "after_voting"
    AFTER_CLOSE = "after_close"


class PollStatus(StrEnum):
    """Where a poll is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


TRANSITIONS: dict[PollStatus, frozenset[PollStatus]] = {
    PollStatus.DRAFT: frozenset({PollStatus.SCHEDULED, PollStatus.OPEN, PollStatus.CANCELLED}),
    PollStatus.SCHEDULED: frozenset({PollStatus.DRAFT, PollStatus.OPEN, PollStatus.CANCELLED}),
    PollStatus.OPEN: frozenset({PollStatus.CLOSED, PollStatus.CANCELLED}),
    PollStatus.CLOSED: frozenset({PollStatus.ARCHIVED}),
    PollStatus.CANCELLED: frozenset({PollStatus.ARCHIVED}),
    PollStatus.ARCHIVED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Audience:
    """Who may answer: any of these roles (empty: any role), in these collèges (empty: any)."""

    roles: frozenset[Role] = frozenset()
    colleges: frozenset[str] = frozenset()

    def admits(self, member: Member) -> bool:
        """True if the member belongs to the audience."""
        if self.roles and not (self.roles & member.roles):
            return False
        return not self.colleges or member.college_key in self.colleges


ASSOCIATES = Audience(roles=frozenset({Role.ASSOCIATE}))


@dataclass(frozen=True, slots=True)
class PollSpec:
    """Everything an admin decides about a poll (the input of create and edit)."""

    title: str
    summary: str = ""
    kind: PollKind = PollKind.CONSULTATION
    audience: Audience = Audience()
    secrecy: Secrecy = Secrecy.SECRET
    visibility: ResultsVisibility = ResultsVisibility.AFTER_CLOSE
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    quorum: Fraction | None = None
    majority: Fraction | None = None
    extraordinary: bool = False
    questions: tuple[Question, ...] = ()

    def validate(self, statutes: Statutes) -> PollSpec:
        """Check the spec against the statutes; returns a normalised copy."""
        title = self.title.strip()
        if not title:
            raise DomainError("poll.title_empty")
        if len(title) > MAX_TITLE:
            raise DomainError("poll.title_too_long", {"max": MAX_TITLE})
        if len(self.summary) > MAX_SUMMARY:
            raise DomainError("poll.summary_too_long", {"max": MAX_SUMMARY})
        for college in self.audience.colleges:
            statutes.college(college)
        audience = self.audience
        if self.kind is PollKind.DELIBERATION:
            if audience.roles - {Role.ASSOCIATE}:
                raise DomainError("poll.deliberation_associates_only")
            audience = replace(audience, roles=frozenset({Role.ASSOCIATE}))
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise DomainError("poll.bad_dates")
        for name, value in (("quorum", self.quorum), ("majority", self.majority)):
            if value is not None and not 0 <= value <= 1:
                raise DomainError(f"poll.bad_{name}")
        if self.majority is not None and self.majority < Fraction(1, 2):
            raise DomainError("poll.bad_majority")
        if len(self.questions) > MAX_QUESTIONS:
            raise DomainError("poll.too_many_questions", {"max": MAX_QUESTIONS})
        questions = tuple(
            replace(q, position=n).validate() for n, q in enumerate(self.questions, start=1)
        )
        return replace(
            self, title=title, summary=self.summary.strip(), audience=audience, questions=questions
        )


@dataclass(frozen=True, slots=True)
class Poll:
    """A poll as stored: its spec, status and lifecycle facts."""

    id: int
    organisation_id: int
    status: PollStatus
    spec: PollSpec
    created_by: int | None = None
    created_at: datetime | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    statutes_version: int | None = None
    eligible_snapshot: Mapping[str, int] | None = field(default=None, compare=False)

    @property
    def title(self) -> str:
        """The poll's title."""
        return self.spec.title

    @property
    def questions(self) -> tuple[Question, ...]:
        """Questions in order."""
        return self.spec.questions

    @property
    def is_secret(self) -> bool:
        """True for secret ballots."""
        return self.spec.secrecy is Secrecy.SECRET

    @property
    def weighted(self) -> bool:
        """Deliberations are weighted by collège (when the statutes have collèges)."""
        return self.spec.kind is PollKind.DELIBERATION

    def question(self, position: int) -> Question:
        """The question at a 1-based position."""
        if not 1 <= position <= len(self.questions):
            raise DomainError("ballot.unknown_question", {"question": position})
        return self.questions[position - 1]

    def accepting(self, now: datetime) -> bool:
        """True while ballots are accepted (open, or scheduled and due, and not past close)."""
        spec = self.spec
        if spec.closes_at is not None and now >= spec.closes_at:
            return False
        if self.status is PollStatus.OPEN:
            return True
        return self.status is PollStatus.SCHEDULED and self.due_to_open(now)

    def due_to_open(self, now: datetime) -> bool:
        """A scheduled poll whose opening time has come."""
        opens_at = self.spec.opens_at
        return self.status is PollStatus.SCHEDULED and opens_at is not None and opens_at <= now

    def due_to_close(self, now: datetime) -> bool:
        """An open poll whose closing time has passed."""
        closes_at = self.spec.closes_at
        return self.status is PollStatus.OPEN and closes_at is not None and closes_at <= now

    def check_accepting(self, now: datetime) -> None:
        """Refuse ballots unless the poll accepts them now, with a precise reason."""
        if self.accepting(now):
            return
        if self.status in (PollStatus.DRAFT, PollStatus.SCHEDULED):
            raise DomainError("poll.not_open", {"poll": self.id})
        if self.status is PollStatus.CANCELLED:
            raise DomainError("poll.cancelled", {"poll": self.id})
        raise DomainError("poll.closed", {"poll": self.id})

    def check_editable(self) -> None:
        """Edits are allowed only while the poll is a draft."""
        if self.status is not PollStatus.DRAFT:
            raise DomainError("poll.not_draft", {"poll": self.id, "status": self.status.value})

    def check_transition(self, target: PollStatus, now: datetime) -> None:
        """Refuse a lifecycle move that the rules do not allow."""
        if target not in TRANSITIONS[self.status]:
            raise DomainError(
                "poll.bad_transition",
                {"poll": self.id, "status": self.status.value, "target": target.value},
            )
        if target in (PollStatus.SCHEDULED, PollStatus.OPEN):
            if not self.questions:
                raise DomainError("poll.no_questions", {"poll": self.id})
            closes_at = self.spec.closes_at
            if closes_at is not None and closes_at <= now:
                raise DomainError("poll.closes_in_past", {"poll": self.id})
        if target is PollStatus.SCHEDULED and (
            self.spec.opens_at is None or self.spec.opens_at <= now
        ):
            raise DomainError("poll.opens_in_past", {"poll": self.id})

    def is_eligible(self, member: Member) -> bool:
        """True if the member may answer (role, collège, active)."""
        if not member.active or not self.spec.audience.admits(member):
            return False
        return not (self.spec.kind is PollKind.DELIBERATION and member.college_key is None)

    def check_eligible(self, member: Member) -> None:
        """Refuse a member outside the audience."""
        if not self.is_eligible(member):
            raise DomainError("poll.not_eligible", {"poll": self.id})

    def check_ballot(self, answers: Mapping[int, object]) -> dict[int, Answer]:
        """Validate a whole ballot (question position -> answer); skipped optional ones absent."""
        for position in answers:
            self.question(position)
        ballot: dict[int, Answer] = {}
        for question in self.questions:
            if question.position not in answers:
                if not question.optional:
                    raise DomainError("ballot.missing_answer", {"question": question.position})
                continue
            try:
                ballot[question.position] = question.check_answer(answers[question.position])
            except DomainError as error:
                error.params.setdefault("question", question.position)
                raise
        return ballot

    def results_visible(self, member: Member, has_voted: bool) -> bool:
        """Whether this member may see results now (admins and board see them once closed)."""
        closed = self.status in (PollStatus.CLOSED, PollStatus.ARCHIVED)
        staff = member.is_admin or Role.BOARD in member.roles
        if closed:
            return staff or self.is_eligible(member)
        if self.status is not PollStatus.OPEN or not (staff or self.is_eligible(member)):
            return False
        visibility = self.spec.visibility
        if visibility is ResultsVisibility.LIVE:
            return True
        return visibility is ResultsVisibility.AFTER_VOTING and has_voted


@dataclass(frozen=True, slots=True)
class DecisionRules:
    """Quorum and majority that apply to a poll: the statutes', unless the poll overrides them.

    The quorum is a share of eligible members that must take part (0: none). The majority is
    the share of cast votes the winner needs: more than half when it is 1/2, at least it
    otherwise (e.g. 2/3).
    """

    quorum: Fraction
    majority: Fraction

    @classmethod
    def for_poll(cls, spec: PollSpec, statutes: Statutes) -> DecisionRules:
        """Resolve per-poll overrides against the statutes."""
        majority = spec.majority
        if majority is None:
            majority = statutes.extraordinary_majority if spec.extraordinary else statutes.majority
        quorum = statutes.quorum if spec.quorum is None else spec.quorum
        return cls(quorum, majority)
