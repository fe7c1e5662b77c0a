"""Polls and their questions in the database: rows in, domain values out; locks per poll."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.members.model import Role, Statutes
from bot.members.repository import OrganisationRepository
from bot.members.statutes_codec import statutes_from_json
from bot.polls.codec import question_from_json, question_to_json
from bot.polls.model import (
    Audience,
    Poll,
    PollKind,
    PollSpec,
    PollStatus,
    ResultsVisibility,
    Secrecy,
)
from bot.polls.questions import Question
from bot.storage.poll_tables import ParticipationRow, PollRow, QuestionRow
from bot.storage.tables import MemberRoleRow, MemberRow, StatutesRow

NO_COLLEGE = ""
"""Key of members without a collège in participation counts."""


@dataclass(frozen=True, slots=True)
class LoadedPoll:
    """A poll with the statutes version it pinned at opening and its secret (while open)."""

    poll: Poll
    statutes: Statutes | None
    secret: bytes | None


class PollRepository:
    """Polls of an organisation, with their questions."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        bind = self.session.bind
        assert bind is not None
        return bind.dialect.name == "postgresql"

    async def add(self, organisation_id: int, spec: PollSpec, by: int | None, at: datetime) -> int:
        """Insert a draft poll with its questions; returns its id."""
        row = PollRow(
            organisation_id=organisation_id,
            status=PollStatus.DRAFT.value,
            created_by=by,
            created_at=at,
            extraordinary=False,
            summary="",
            audience={},
        )
        _write_spec(row, spec, at)
        self.session.add(row)
        await self.session.flush()
        await self._insert_questions(row.id, spec.questions)
        return row.id

    async def replace_spec(self, row: PollRow, spec: PollSpec, at: datetime) -> None:
        """Rewrite a draft's settings and questions."""
        _write_spec(row, spec, at)
        await self.session.execute(delete(QuestionRow).where(QuestionRow.poll_id == row.id))
        await self.session.flush()
        await self._insert_questions(row.id, spec.questions)

    async def _insert_questions(self, poll_id: int, questions: Iterable[Question]) -> None:
        for question in questions:
            self.session.add(
                QuestionRow(
                    poll_id=poll_id,
                    position=question.position,
                    method=question.method.value,
                    definition=question_to_json(question),
                )
            )
        await self.session.flush()

    async def get(self, organisation_id: int, poll_id: int) -> Poll | None:
        """A poll of the organisation with its questions, or None."""
        found = await self.load(organisation_id, poll_id)
        return None if found is None else found.poll

    async def load(self, organisation_id: int, poll_id: int) -> LoadedPoll | None:
        """A poll, its questions, pinned statutes and secret, in one query (no lock)."""
        await self.session.flush()
        params = {"poll_id": poll_id, "organisation_id": organisation_id}
        connection = await self.session.connection()
        rows = list(await connection.execute(_LOAD, params))
        if not rows:
            return None
        first = rows[0]
        questions = tuple(
            replace(question_from_json(row.q_definition, position=row.q_position), id=row.q_id)
            for row in rows
            if row.q_id is not None
        )
        statutes = (
            None if first.s_version is None else statutes_from_json(first.s_version, first.s_rules)
        )
        poll_row = first
        return LoadedPoll(poll_from_row(poll_row, questions), statutes, poll_row.secret)

    async def lock(self, organisation_id: int, poll_id: int) -> PollRow | None:
        """The poll row, locked for a status change.

        PostgreSQL takes ``FOR UPDATE``. SQLite has one writer at a time, so a no-op write
        takes the database write lock before the row is read again.
        """
        if not self._postgres:
            await self.session.execute(
                update(PollRow).where(PollRow.id == poll_id).values(status=PollRow.status)
            )
        query = select(PollRow).where(
            PollRow.id == poll_id, PollRow.organisation_id == organisation_id
        )
        if self._postgres:
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def to_poll(self, row: PollRow) -> Poll:
        """The domain view of a row (loads the questions)."""
        rows = await self.session.scalars(
            select(QuestionRow).where(QuestionRow.poll_id == row.id).order_by(QuestionRow.position)
        )
        questions = tuple(_question(q) for q in rows)
        return poll_from_row(row, questions)

    async def latest(
        self, organisation_id: int, statuses: Iterable[PollStatus] | None = None, limit: int = 50
    ) -> list[Poll]:
        """Latest polls first, optionally with some statuses only."""
        query = select(PollRow).where(PollRow.organisation_id == organisation_id)
        if statuses is not None:
            query = query.where(PollRow.status.in_([s.value for s in statuses]))
        rows = await self.session.scalars(query.order_by(PollRow.id.desc()).limit(limit))
        return [await self.to_poll(row) for row in rows]

    async def due(self, organisation_id: int, now: datetime) -> tuple[list[int], list[int]]:
        """Ids of scheduled polls due to open and of open polls due to close."""
        base = select(PollRow.id).where(PollRow.organisation_id == organisation_id)
        to_open = await self.session.scalars(
            base.where(PollRow.status == PollStatus.SCHEDULED.value, PollRow.opens_at <= now)
        )
        to_close = await self.session.scalars(
            base.where(PollRow.status == PollStatus.OPEN.value, PollRow.closes_at <= now)
        )
        return list(to_open), list(to_close)

    async def statutes(self, organisation_id: int, version: int | None) -> Statutes:
        """A statutes version (the current one when ``version`` is None)."""
        if version is None:
            return await OrganisationRepository(self.session).current_statutes(organisation_id)
        row = await self.session.scalar(
            select(StatutesRow).where(
                StatutesRow.organisation_id == organisation_id, StatutesRow.version == version
            )
        )
        return Statutes(version=0) if row is None else statutes_from_json(row.version, row.rules)

    async def eligible_counts(self, poll: Poll) -> dict[str, int]:
        """Members who may answer, by collège, counting everyone who already took part.

        A member who voted counts in the collège recorded in the register, even if their
        roles or collège changed since; ``NO_COLLEGE`` groups members without a collège.
        """
        register = select(ParticipationRow).where(ParticipationRow.poll_id == poll.id).subquery()
        college = case(
            (register.c.id.is_not(None), register.c.college_key), else_=MemberRow.college_key
        )
        audience = poll.spec.audience
        conditions: list[ColumnElement[bool]] = [MemberRow.active.is_(True)]
        if audience.roles:
            conditions.append(
                exists().where(
                    MemberRoleRow.member_id == MemberRow.id,
                    MemberRoleRow.role.in_([role.value for role in audience.roles]),
                )
            )
        if audience.colleges:
            conditions.append(MemberRow.college_key.in_(sorted(audience.colleges)))
        if poll.spec.kind is PollKind.DELIBERATION:
            conditions.append(MemberRow.college_key.is_not(None))
        query = (
            select(college, func.count())
            .select_from(MemberRow)
            .outerjoin(register, register.c.member_id == MemberRow.id)
            .where(
                MemberRow.organisation_id == poll.organisation_id,
                or_(register.c.id.is_not(None), and_(*conditions)),
            )
            .group_by(college)
        )
        rows = await self.session.execute(query)
        return {key or NO_COLLEGE: int(count) for key, count in rows}


_POLLS: Table = PollRow.__table__  # type: ignore[assignment]
_QUESTIONS: Table = QuestionRow.__table__  # type: ignore[assignment]
_STATUTES: Table = StatutesRow.__table__  # type: ignore[assignment]
_LOAD = (
    select(
        _POLLS,
        _QUESTIONS.c.id.label("q_id"),
        _QUESTIONS.c.position.label("q_position"),
        _QUESTIONS.c.definition.label("q_definition"),
        _STATUTES.c.version.label("s_version"),
        _STATUTES.c.rules.label("s_rules"),
    )
    .select_from(
        _POLLS.outerjoin(_QUESTIONS, _QUESTIONS.c.poll_id == _POLLS.c.id).outerjoin(
            _STATUTES,
            and_(
                _STATUTES.c.organisation_id == _POLLS.c.organisation_id,
                _STATUTES.c.version == _POLLS.c.statutes_version,
            ),
        )
    )
    .where(_POLLS.c.id == bindparam("poll_id"))
    .where(_POLLS.c.organisation_id == bindparam("organisation_id"))
    .order_by(_QUESTIONS.c.position)
)


def _write_spec(row: PollRow, spec: PollSpec, at: datetime) -> None:
    row.kind = spec.kind.value
    row.title = spec.title
    row.summary = spec.summary
    row.audience = {
        "roles": sorted(role.value for role in spec.audience.roles),
        "colleges": sorted(spec.audience.colleges),
    }
    row.secrecy = spec.secrecy.value
    row.visibility = spec.visibility.value
    row.opens_at = spec.opens_at
    row.closes_at = spec.closes_at
    row.quorum = None if spec.quorum is None else str(spec.quorum)
    row.majority = None if spec.majority is None else str(spec.majority)
    row.extraordinary = spec.extraordinary
    row.updated_at = at


def _question(row: QuestionRow) -> Question:
    return replace(question_from_json(row.definition, position=row.position), id=row.id)


def poll_from_row(row: Any, questions: tuple[Question, ...]) -> Poll:
    """The domain view of a poll row and its questions."""
    audience = row.audience or {}
    spec = PollSpec(
        title=row.title,
        summary=row.summary,
        kind=PollKind(row.kind),
        audience=Audience(
            roles=frozenset(Role(r) for r in audience.get("roles", [])),
            colleges=frozenset(audience.get("colleges", [])),
        ),
        secrecy=Secrecy(row.secrecy),
        visibility=ResultsVisibility(row.visibility),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        quorum=None if row.quorum is None else Fraction(row.quorum),
        majority=None if row.majority is None else Fraction(row.majority),
        extraordinary=row.extraordinary,
        questions=questions,
    )
    return Poll(
        id=row.id,
        organisation_id=row.organisation_id,
        status=PollStatus(row.status),
        spec=spec,
        created_by=row.created_by,
        created_at=row.created_at,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        statutes_version=row.statutes_version,
        eligible_snapshot=row.eligible,
    )
