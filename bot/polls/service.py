"""Use cases of polls, one unit of work each: define, run, answer, count, export.

Build one ``PollsService(uow, org)`` per interaction (like ``MembersService``); every method
checks who acts (admin, eligible member) and raises ``DomainError`` with a message key when a
rule says no. Nothing is committed here: the caller's unit of work commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from bot.core.errors import DomainError, PermissionDenied
from bot.members.model import Member, Statutes
from bot.members.repository import AuditRepository
from bot.members.service import OrganisationInfo
from bot.polls import export, open_polls, results
from bot.polls.ballot_box import BallotBox, BallotToCast, Cast, Signature, StoredAnswer
from bot.polls.codec import decode_stored, encode_answer, spec_to_json
from bot.polls.lifecycle import Lifecycle
from bot.polls.model import Poll, PollSpec, PollStatus
from bot.polls.questions import Answer, QuestionMethod
from bot.polls.repository import LoadedPoll, PollRepository
from bot.polls.secrecy import new_receipt, nominative_key, pseudonym
from bot.polls.views import (
    AnswerStatus,
    DueTransitions,
    MemberPoll,
    MyBallot,
    PollOverview,
    PublishedBallot,
    Submission,
)
from bot.storage.uow import UnitOfWork

ANSWERABLE = (PollStatus.OPEN, PollStatus.SCHEDULED)


class PollsService:
    """Poll use cases inside one unit of work, for one organisation."""

    def __init__(self, uow: UnitOfWork, organisation: OrganisationInfo) -> None:
        self.uow = uow
        self.org = organisation
        self.polls = PollRepository(uow.session)
        self.box = BallotBox(uow.session)
        self.audit = AuditRepository(uow.session)
        self.lifecycle = Lifecycle(organisation.id, self.polls, self.audit)

    @property
    def now(self) -> datetime:
        """The current instant."""
        return self.uow.clock.now()

    # --- defining (admins) -----------------------------------------------------------------

    async def create(self, actor: Member, spec: PollSpec) -> Poll:
        """Create a draft poll from a complete spec (wizard state or one-message form)."""
        _require_admin(actor)
        spec = spec.validate(await self.statutes())
        poll_id = await self.polls.add(self.org.id, spec, actor.id, self.now)
        poll = await self.get(poll_id)
        await self.lifecycle.record(actor, "poll.create", poll, None, spec_to_json(spec), self.now)
        return poll

    async def edit(self, actor: Member, poll_id: int, spec: PollSpec) -> Poll:
        """Replace a draft's settings and questions (only while it is a draft)."""
        _require_admin(actor)
        row, poll = await self.lifecycle.locked(poll_id)
        poll.check_editable()
        spec = spec.validate(await self.statutes())
        await self.polls.replace_spec(row, spec, self.now)
        edited = await self.polls.to_poll(row)
        await self.lifecycle.record(
            actor, "poll.edit", edited, spec_to_json(poll.spec), spec_to_json(spec), self.now
        )
        return edited

    async def schedule(
        self, actor: Member, poll_id: int, opens_at: datetime, closes_at: datetime | None = None
    ) -> Poll:
        """Plan a draft's opening (and closing) time; it opens by itself when due."""
        _require_admin(actor)
        row, poll = await self.lifecycle.locked(poll_id)
        poll.check_editable()
        changed = replace(poll.spec, opens_at=opens_at, closes_at=closes_at or poll.spec.closes_at)
        await self.polls.replace_spec(row, changed.validate(await self.statutes()), self.now)
        note = {"opens_at": opens_at.isoformat(), "closes_at": _iso(changed.closes_at)}
        return await self.lifecycle.move(actor, poll_id, PollStatus.SCHEDULED, self.now, note)

    async def unschedule(self, actor: Member, poll_id: int) -> Poll:
        """Take a scheduled poll back to draft, so it can be edited."""
        _require_admin(actor)
        return await self.lifecycle.move(actor, poll_id, PollStatus.DRAFT, self.now)

    async def open(self, actor: Member, poll_id: int) -> Poll:
        """Open a draft or scheduled poll now (pins the current statutes version)."""
        _require_admin(actor)
        return await self.lifecycle.move(actor, poll_id, PollStatus.OPEN, self.now)

    async def close(self, actor: Member, poll_id: int) -> Poll:
        """Close an open poll: no more ballots; a secret poll's secret is erased for good."""
        _require_admin(actor)
        return await self.lifecycle.move(actor, poll_id, PollStatus.CLOSED, self.now)

    async def cancel(self, actor: Member, poll_id: int) -> Poll:
        """Cancel a poll that is not closed yet (its ballots are kept, sealed, never counted)."""
        _require_admin(actor)
        return await self.lifecycle.move(actor, poll_id, PollStatus.CANCELLED, self.now)

    async def archive(self, actor: Member, poll_id: int) -> Poll:
        """Archive a closed or cancelled poll."""
        _require_admin(actor)
        return await self.lifecycle.move(actor, poll_id, PollStatus.ARCHIVED, self.now)

    async def run_due(self) -> DueTransitions:
        """Open scheduled polls and close open polls whose time has come (for the scheduler)."""
        to_open, to_close = await self.polls.due(self.org.id, self.now)
        opened = [await self._open_if_due(poll_id) for poll_id in to_open]
        closed = []
        for poll_id in to_close:
            _, poll = await self.lifecycle.locked(poll_id)
            if poll.due_to_close(self.now):
                await self.lifecycle.move(None, poll_id, PollStatus.CLOSED, self.now)
                closed.append(poll_id)
        return DueTransitions(tuple(p for p in opened if p), tuple(closed))

    # --- reading ---------------------------------------------------------------------------

    async def statutes(self) -> Statutes:
        """The organisation's current statutes."""
        return await self.polls.statutes(self.org.id, None)

    async def get(self, poll_id: int) -> Poll:
        """A poll of this organisation, or ``poll.unknown``."""
        poll = await self.polls.get(self.org.id, poll_id)
        if poll is None:
            raise DomainError("poll.unknown", {"poll": poll_id})
        return poll

    async def list_polls(
        self, actor: Member, statuses: Iterable[PollStatus] | None = None, limit: int = 50
    ) -> list[PollOverview]:
        """Polls for the admin list, newest first, with participation counts."""
        _require_admin(actor)
        found = await self.polls.latest(self.org.id, statuses, max(1, min(limit, 200)))
        return [
            PollOverview(poll, sum((await self.box.voted_by_college(poll.id)).values()))
            for poll in found
        ]

    async def polls_for(self, member: Member) -> list[MemberPoll]:
        """Polls the member may answer now, oldest first, with their answer status."""
        candidates = await self.polls.latest(self.org.id, ANSWERABLE, limit=200)
        polls = [p for p in candidates if p.accepting(self.now) and p.is_eligible(member)]
        taken = await self.box.participation(member.id, [p.id for p in polls])
        return [
            MemberPoll(
                poll,
                AnswerStatus.ANSWERED if poll.id in taken else AnswerStatus.NOT_STARTED,
                taken[poll.id][0] if poll.id in taken else None,
                poll.spec.closes_at,
            )
            for poll in sorted(polls, key=lambda p: p.id)
        ]

    async def answerable(self, member: Member, poll_id: int, *, remembered: bool = False) -> Poll:
        """The poll if this member may answer it now (check it at every step of answering).

        ``remembered``: an open poll's remembered definition will do (see ``open_polls``), for
        the steps between the first question and the submission. Those steps only move the
        member's own draft; the submission itself is checked against the database, so a poll
        closed meanwhile by another process is still refused there.
        """
        loaded = (open_polls.recall(self._database, poll_id) if remembered else None) or (
            await self._current(poll_id)
        )
        _check_can_answer(loaded, member, self.now)
        return loaded.poll

    async def my_ballot(self, member: Member, poll_id: int) -> MyBallot | None:
        """The member's current ballot while the poll accepts ballots (to review or change)."""
        loaded = await self._current(poll_id)
        _check_can_answer(loaded, member, self.now)
        poll = loaded.poll
        stored = await self.box.find(poll.id, _voter_key(poll, member, loaded.secret))
        if stored is None:
            return None
        answers = await self.box.answers_of(stored.id)
        decoded: dict[int, Answer] = {}
        for question in poll.questions:
            if question.id in answers:
                stored_answer = answers[question.id]
                decoded[question.position] = decode_stored(
                    question, stored_answer.value, stored_answer.text
                )
        return MyBallot(poll.id, decoded, stored.receipt)

    # --- answering -------------------------------------------------------------------------

    async def submit(
        self, member: Member, poll_id: int, answers: Mapping[int, object], platform: str
    ) -> Submission:
        """Record a whole ballot atomically, or replace the member's previous one.

        ``answers`` maps question positions (1-based) to answers in the shapes of
        ``bot.polls.questions``; skipped optional questions are left out. Either the whole
        ballot is valid and written, or ``DomainError`` is raised and nothing changes.

        Statements: read the poll (skipped when its definition is remembered, see
        ``open_polls``), then sign the register, upsert the ballot and its answers (one
        statement on PostgreSQL, see ``BallotBox.cast``). Signing
        succeeds only if the poll is still open since the opening the caller read about, and
        locks the poll row shared and this (poll, member) exclusively (row locks on
        PostgreSQL, the database write lock on SQLite): one member's racing submissions run
        one after the other, and a ballot is in the box before a close seals it, or refused.
        """
        loaded = open_polls.recall(self._database, poll_id) or await self._current(poll_id)
        cast = await self._check_and_cast(loaded, member, answers, platform)
        if cast is None:
            open_polls.forget(self._database, poll_id)
            loaded = await self._current(poll_id)
            cast = await self._check_and_cast(loaded, member, answers, platform)
            if cast is None:
                raise DomainError("poll.closed", {"poll": poll_id})
        return Submission(poll_id, cast.receipt, cast.replaced, loaded.poll.spec.closes_at)

    # --- results and exports ---------------------------------------------------------------

    async def results(self, viewer: Member, poll_id: int) -> results.PollResults:
        """Weighted and headcount results, participation, quorum and majority, if visible."""
        poll = await self.get(poll_id)
        voted = await self.box.participation(viewer.id, [poll.id])
        if not poll.results_visible(viewer, poll.id in voted):
            raise DomainError("poll.results_hidden", {"poll": poll.id})
        return await results.compute(self.polls, self.box, poll, self.now)

    async def export_recount(self, actor: Member, poll_id: int) -> list[export.RecountDocument]:
        """One recount document per counted question (the format ``parvis tally`` reads)."""
        poll = await self._exportable(actor, poll_id)
        documents = await export.recount_documents(self.polls, self.box, poll)
        await self.lifecycle.record(actor, "poll.export", poll, None, "recount", self.now)
        return documents

    async def export_csv(
        self, actor: Member, poll_id: int, translate: Callable[[str], str] = str
    ) -> str:
        """The ballots as CSV for spreadsheets (receipts, never names, in secret polls)."""
        poll = await self._exportable(actor, poll_id)
        text = await export.ballots_csv(self.uow.session, self.box, poll, translate)
        await self.lifecycle.record(actor, "poll.export", poll, None, "csv", self.now)
        return text

    async def published_ballots(self, viewer: Member, poll_id: int) -> list[PublishedBallot]:
        """The published ballot list of a closed secret poll, sorted by receipt."""
        poll = await self.get(poll_id)
        if not poll.results_visible(viewer, has_voted=True) or poll.status not in (
            PollStatus.CLOSED,
            PollStatus.ARCHIVED,
        ):
            raise DomainError("poll.results_hidden", {"poll": poll.id})
        return [ballot async for ballot in export.published_ballots(self.box, poll)]

    # --- internals -------------------------------------------------------------------------

    @property
    def _database(self) -> object:
        """What identifies this database for the memory of open polls (its engine)."""
        return self.uow.session.bind

    async def _check_and_cast(
        self, loaded: LoadedPoll, member: Member, answers: Mapping[int, object], platform: str
    ) -> Cast | None:
        """Check the member and the ballot against the poll, then sign the register and put
        the ballot in the box.

        Returns None, writing nothing, when the signature is refused: the poll closed
        meanwhile, or ``loaded`` is not about the poll's current opening (a stale memory).
        """
        poll = loaded.poll
        _check_can_answer(loaded, member, self.now)
        ballot = poll.check_ballot(answers)
        assert poll.opened_at is not None
        stored = [
            _stored(question.id, question.method, encode_answer(question, answer))
            for question in poll.questions
            if question.position in ballot
            for answer in (ballot[question.position],)
        ]
        secret_ballot = poll.is_secret
        signature = Signature(
            self.org.id,
            poll.id,
            poll.opened_at,
            member.id,
            member.college_key,
            platform,
            self.now,
        )
        return await self.box.cast(
            signature,
            BallotToCast(
                _voter_key(poll, member, loaded.secret),
                member_id=None if secret_ballot else member.id,
                submitted_at=None if secret_ballot else self.now,
                receipt=new_receipt() if secret_ballot else None,
                answers=stored,
                skipped=[q.id for q in poll.questions if q.position not in ballot and q.id],
            ),
        )

    async def _current(self, poll_id: int) -> LoadedPoll:
        """The poll as it stands, opening it first if it was scheduled and its time has come."""
        loaded = await self.polls.load(self.org.id, poll_id)
        if loaded is None:
            raise DomainError("poll.unknown", {"poll": poll_id})
        if loaded.poll.due_to_open(self.now):
            await self._open_if_due(poll_id)
            loaded = await self.polls.load(self.org.id, poll_id)
            assert loaded is not None
        open_polls.remember(self._database, loaded)
        return loaded

    async def _open_if_due(self, poll_id: int) -> int | None:
        """Open a scheduled poll whose time has come (before any shared lock is taken)."""
        _, poll = await self.lifecycle.locked(poll_id)
        if not poll.due_to_open(self.now):
            return None
        await self.lifecycle.move(None, poll_id, PollStatus.OPEN, self.now)
        return poll_id

    async def _exportable(self, actor: Member, poll_id: int) -> Poll:
        _require_admin(actor)
        poll = await self.get(poll_id)
        if poll.is_secret and poll.status not in (PollStatus.CLOSED, PollStatus.ARCHIVED):
            raise DomainError("poll.export_after_close", {"poll": poll.id})
        return poll


def _stored(question_id: int | None, method: QuestionMethod, value: str | None) -> StoredAnswer:
    assert question_id is not None
    if method is QuestionMethod.FREE_TEXT:
        return StoredAnswer(question_id, None, value)
    return StoredAnswer(question_id, value)


def _check_can_answer(loaded: LoadedPoll, member: Member, now: datetime) -> None:
    """Open now, and the member in the audience (and in a collège of the pinned statutes)."""
    poll = loaded.poll
    poll.check_accepting(now)
    poll.check_eligible(member)
    statutes = loaded.statutes
    if (
        poll.weighted
        and statutes is not None
        and statutes.colleges
        and not statutes.has_college(member.college_key or "")
    ):
        raise DomainError("poll.not_eligible", {"poll": poll.id})


def _voter_key(poll: Poll, member: Member, secret: bytes | None) -> str:
    """The ballot's key: the member (nominative) or their pseudonym (secret, while open)."""
    if not poll.is_secret:
        return nominative_key(member.id)
    if secret is None:
        raise DomainError("poll.closed", {"poll": poll.id})
    return pseudonym(secret, poll.id, member.id)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _require_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise PermissionDenied("error.admin_only")
