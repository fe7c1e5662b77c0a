"""The participation register and the ballot box in the database.

Writing a ballot starts by signing the register with one upsert: its row lock (PostgreSQL) or
the database write lock (SQLite) serialises the submissions of one member to one poll. The
ballot itself is one upsert on the unique ``(poll_id, voter_key)`` constraint, the schema's
guarantee of one ballot per voter. Reads for tallies and exports stream rows in batches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.polls.model import PollStatus
from bot.polls.repository import NO_COLLEGE
from bot.polls.secrecy import new_ballot_id
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow, PollRow
from bot.storage.types import UTCDateTime

STREAM_BATCH = 5000


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One answer as stored: the encoded choice (``value``) or a free ``text``."""

    question_id: int
    value: str | None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Signature:
    """A member signing a poll's register: valid only while the poll is open, since the
    opening the caller read about (``opened_at``)."""

    organisation_id: int
    poll_id: int
    opened_at: datetime
    member_id: int
    college_key: str | None
    platform: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BallotToCast:
    """A voter's whole ballot (``member_id`` and ``submitted_at`` only in nominative polls,
    ``receipt`` only in secret ones); ``skipped``: question ids left unanswered."""

    voter_key: str
    member_id: int | None
    submitted_at: datetime | None
    receipt: str | None
    answers: Sequence[StoredAnswer]
    skipped: Sequence[int] = ()


@dataclass(frozen=True, slots=True)
class Cast:
    """A ballot in the box: its receipt (a replaced ballot keeps its own), and whether it
    replaced the voter's previous ballot."""

    receipt: str | None
    replaced: bool


@dataclass(frozen=True, slots=True)
class StoredBallot:
    """What the box holds about one ballot (``member_id`` only in nominative polls)."""

    id: str
    receipt: str | None
    college_key: str | None
    member_id: int | None
    submitted_at: datetime | None


class BallotBox:
    """Register and ballot box of polls."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        bind = self.session.bind
        assert bind is not None
        return bind.dialect.name == "postgresql"

    # --- writing ---------------------------------------------------------------------------

    async def cast(self, signature: Signature, ballot: BallotToCast) -> Cast | None:
        """Sign the register, then put the voter's whole ballot in the box, replacing theirs
        if any; or, if the register refuses the signature, write nothing and return None.

        Signing succeeds only if the poll is open now and was opened at
        ``signature.opened_at`` (so what the caller read about it still holds). It locks the
        poll row shared (``FOR SHARE``: a close waits for this ballot, or this ballot for the
        close, which it then sees) and this (poll, member) exclusively — row locks on
        PostgreSQL, the database write lock on SQLite. The ballot is one upsert on the unique
        (poll, voter key); a replaced ballot keeps its receipt and loses its answers to the
        ``skipped`` questions.

        On PostgreSQL signature, ballot and answers are one statement (data-modifying CTEs,
        one round trip); on SQLite three, run on the event loop's thread.
        """
        proposed = new_ballot_id()
        connection = await self.session.connection()
        values = _cast_values(signature, ballot, proposed)
        if self._postgres:
            row = (await connection.execute(_cast_statement(len(ballot.answers)), values)).first()
            if row is None:
                return None
            ballot_id, kept_receipt = row
        else:
            statements = _statements(False)
            signed = await connection.execute(statements.register, values)
            if not signed.rowcount:
                return None
            result = await connection.execute(statements.ballot, values)
            ballot_id, kept_receipt = result.one()
            if ballot.answers:
                await connection.execute(
                    statements.answers,
                    _answer_rows(ballot_id, signature.college_key, ballot.answers),
                )
        replaced = ballot_id != proposed
        if replaced and ballot.skipped:  # a statement of its own: it sees committed answers
            await connection.execute(
                delete(_ANSWERS).where(
                    _ANSWERS.c.ballot_id == ballot_id,
                    _ANSWERS.c.question_id.in_(list(ballot.skipped)),
                )
            )
        return Cast(kept_receipt, replaced)

    # --- reading ---------------------------------------------------------------------------

    async def find(self, poll_id: int, voter_key: str) -> StoredBallot | None:
        """The ballot of a voter key (pseudonym or nominative key), if any."""
        row = (
            await self.session.execute(
                select(*_BALLOT_COLUMNS).where(
                    BallotRow.poll_id == poll_id, BallotRow.voter_key == voter_key
                )
            )
        ).first()
        return None if row is None else StoredBallot(*row)

    async def voted_by_college(self, poll_id: int) -> dict[str, int]:
        """Members who took part, by the collège recorded when they voted."""
        rows = await self.session.execute(
            select(ParticipationRow.college_key, func.count())
            .where(ParticipationRow.poll_id == poll_id)
            .group_by(ParticipationRow.college_key)
        )
        return {key or NO_COLLEGE: int(count) for key, count in rows}

    async def participation(
        self, member_id: int, poll_ids: Sequence[int]
    ) -> dict[int, tuple[datetime, int]]:
        """For each poll the member took part in: (last submission time, submissions)."""
        if not poll_ids:
            return {}
        rows = await self.session.execute(
            select(
                ParticipationRow.poll_id, ParticipationRow.last_at, ParticipationRow.submissions
            )
            .where(ParticipationRow.member_id == member_id)
            .where(ParticipationRow.poll_id.in_(list(poll_ids)))
        )
        return {poll_id: (last_at, count) for poll_id, last_at, count in rows}

    async def answers_of(self, ballot_id: str) -> dict[int, StoredAnswer]:
        """The stored answers of one ballot, by question id."""
        rows = await self.session.execute(
            select(AnswerRow.question_id, AnswerRow.value, AnswerRow.text).where(
                AnswerRow.ballot_id == ballot_id
            )
        )
        return {qid: StoredAnswer(qid, value, txt) for qid, value, txt in rows}

    async def _batches(self, query: Any) -> AsyncIterator[Sequence[Any]]:
        """Rows of a query in batches of at most ``STREAM_BATCH`` (a server-side cursor)."""
        result = await self.session.stream(query.execution_options(yield_per=STREAM_BATCH))
        async for batch in result.partitions(STREAM_BATCH):
            yield batch

    def grouped(self, question_id: int) -> AsyncIterator[Sequence[Any]]:
        """Batches of (collège, stored value, count) for one question, aggregated by the
        database (ranking and judgment answers may have many distinct values)."""
        return self._batches(
            select(AnswerRow.college_key, AnswerRow.value, func.count())
            .where(AnswerRow.question_id == question_id)
            .group_by(AnswerRow.college_key, AnswerRow.value)
        )

    def each(self, question_id: int) -> AsyncIterator[Sequence[Any]]:
        """Batches of (collège, value, text) of every answer to one question."""
        return self._batches(
            select(AnswerRow.college_key, AnswerRow.value, AnswerRow.text).where(
                AnswerRow.question_id == question_id
            )
        )

    def with_receipts(self, question_id: int) -> AsyncIterator[Sequence[Any]]:
        """Batches of (collège, value, receipt) of every answer to one question, by receipt."""
        return self._batches(
            select(AnswerRow.college_key, AnswerRow.value, BallotRow.receipt)
            .join(BallotRow, BallotRow.id == AnswerRow.ballot_id)
            .where(AnswerRow.question_id == question_id)
            .order_by(BallotRow.receipt, BallotRow.id)
        )

    async def ballots_with_answers(
        self, poll_id: int
    ) -> AsyncIterator[tuple[StoredBallot, int | None, str | None, str | None]]:
        """(ballot, question id, value, text) rows, ballot by ballot, ordered by receipt."""
        query = (
            select(*_BALLOT_COLUMNS, AnswerRow.question_id, AnswerRow.value, AnswerRow.text)
            .outerjoin(AnswerRow, AnswerRow.ballot_id == BallotRow.id)
            .where(BallotRow.poll_id == poll_id)
            .order_by(BallotRow.receipt, BallotRow.member_id, BallotRow.id)
        )
        async for batch in self._batches(query):
            for row in batch:
                yield StoredBallot(*row[:5]), row[5], row[6], row[7]

    async def count(self, poll_id: int) -> int:
        """Ballots in the box."""
        total = await self.session.scalar(
            select(func.count()).select_from(BallotRow).where(BallotRow.poll_id == poll_id)
        )
        return int(total or 0)


_ANSWERS: Table = AnswerRow.__table__  # type: ignore[assignment]
_BALLOTS: Table = BallotRow.__table__  # type: ignore[assignment]
_REGISTER: Table = ParticipationRow.__table__  # type: ignore[assignment]
_POLLS: Table = PollRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class _Statements:
    """The upserts of the hot path, built once per dialect (values are bound at execution)."""

    register: Any
    ballot: Any
    answers: Any


def _answer_rows(
    ballot_id: str, college_key: str | None, answers: Sequence[StoredAnswer]
) -> list[dict[str, Any]]:
    return [
        {
            "ballot_id": ballot_id,
            "question_id": answer.question_id,
            "college_key": college_key,
            "value": answer.value,
            "text": answer.text,
        }
        for answer in answers
    ]


def _cast_values(signature: Signature, ballot: BallotToCast, proposed: str) -> dict[str, Any]:
    """The parameters of the register, ballot and (PostgreSQL) answer statements."""
    values: dict[str, Any] = {
        "organisation_id": signature.organisation_id,
        "poll_id": signature.poll_id,
        "opened_at": signature.opened_at,
        "member_id": signature.member_id,
        "college_key": signature.college_key,
        "platform": signature.platform[:16],
        "at": signature.at,
        "id": proposed,
        "voter_key": ballot.voter_key,
        "ballot_member_id": ballot.member_id,
        "receipt": ballot.receipt,
        "submitted_at": ballot.submitted_at,
        "origin": None,
    }
    for number, answer in enumerate(ballot.answers):
        values[f"question_{number}"] = answer.question_id
        values[f"value_{number}"] = answer.value
        values[f"text_{number}"] = answer.text
    return values


@cache
def _statements(postgres: bool) -> _Statements:
    dialect_insert = pg_insert if postgres else sqlite_insert
    at = bindparam("at", type_=UTCDateTime())
    poll_id = bindparam("poll_id", type_=Integer())
    open_poll = (
        select(_POLLS.c.id)
        .where(
            _POLLS.c.id == poll_id,
            _POLLS.c.organisation_id == bindparam("organisation_id", type_=Integer()),
            _POLLS.c.status == PollStatus.OPEN.value,
            _POLLS.c.opened_at == bindparam("opened_at", type_=UTCDateTime()),
            or_(_POLLS.c.closes_at.is_(None), _POLLS.c.closes_at > at),
        )
        .with_for_update(read=True)  # PostgreSQL: FOR SHARE; SQLite: its write lock
        .exists()
    )
    signature = select(
        poll_id,
        bindparam("member_id", type_=Integer()),
        bindparam("college_key", type_=String()),
        bindparam("platform", type_=String()),
        at,
        at,
        literal(1),
    ).where(open_poll)
    register = dialect_insert(_REGISTER).from_select(
        ["poll_id", "member_id", "college_key", "platform", "first_at", "last_at", "submissions"],
        signature,
    )
    register = register.on_conflict_do_update(
        index_elements=["poll_id", "member_id"],
        set_={
            "college_key": register.excluded.college_key,
            "platform": register.excluded.platform,
            "last_at": register.excluded.last_at,
            "submissions": _REGISTER.c.submissions + 1,
        },
    )
    ballot = _replacing_ballot(dialect_insert(_BALLOTS).values(_ballot_params()))
    answers = _replacing_answers(dialect_insert(_ANSWERS))
    return _Statements(register, ballot.returning(_BALLOTS.c.id, _BALLOTS.c.receipt), answers)


def _replacing_ballot(insert: Any) -> Any:
    """The ballot INSERT, replacing the voter's ballot if any (the old one keeps its id and
    receipt)."""
    return insert.on_conflict_do_update(
        index_elements=["poll_id", "voter_key"],
        set_={
            "college_key": insert.excluded.college_key,
            "submitted_at": insert.excluded.submitted_at,
        },
    )


def _replacing_answers(insert: Any) -> Any:
    """The answers INSERT, replacing the ballot's answer to the same question if any."""
    return insert.on_conflict_do_update(
        index_elements=["ballot_id", "question_id"],
        set_={
            "college_key": insert.excluded.college_key,
            "value": insert.excluded.value,
            "text": insert.excluded.text,
        },
    )


def _ballot_params() -> dict[str, Any]:
    """The ballot's columns as bound parameters (the member's is ``ballot_member_id``: the
    register's ``member_id`` is the signer, always known)."""
    return {
        "id": bindparam("id", type_=String()),
        "poll_id": bindparam("poll_id", type_=Integer()),
        "voter_key": bindparam("voter_key", type_=String()),
        "member_id": bindparam("ballot_member_id", type_=Integer()),
        "college_key": bindparam("college_key", type_=String()),
        "receipt": bindparam("receipt", type_=String()),
        "submitted_at": bindparam("submitted_at", type_=UTCDateTime()),
        "origin": bindparam("origin", type_=String()),
    }


@cache
def _cast_statement(answers: int) -> Any:
    """PostgreSQL: sign, upsert the ballot and its ``answers`` answers in one statement.

    Each step reads the previous one's RETURNING, so the ballot is written only if the
    register was signed, and the answers go to the ballot's actual id (a replaced ballot
    keeps its own). Built once per number of answers.
    """
    statements = _statements(True)
    signed = statements.register.returning(_REGISTER.c.poll_id).cte("signed")
    params = _ballot_params()
    ballot = _replacing_ballot(
        pg_insert(_BALLOTS).from_select(
            list(params), select(*params.values()).where(select(signed.c.poll_id).exists())
        )
    )
    cast = ballot.returning(_BALLOTS.c.id, _BALLOTS.c.receipt).cte("cast")
    ctes = [signed, cast]
    if answers:
        college = bindparam("college_key", type_=String())
        each = [
            select(
                cast.c.id,
                bindparam(f"question_{n}", type_=Integer()),
                college,
                bindparam(f"value_{n}", type_=String()),
                bindparam(f"text_{n}", type_=String()),
            )
            for n in range(answers)
        ]
        rows = each[0] if answers == 1 else union_all(*each)
        answered = _replacing_answers(
            pg_insert(_ANSWERS).from_select(
                ["ballot_id", "question_id", "college_key", "value", "text"], rows
            )
        )
        ctes.append(answered.cte("answered"))
    return select(cast.c.id, cast.c.receipt).add_cte(*ctes)


_BALLOT_COLUMNS = (
    BallotRow.id,
    BallotRow.receipt,
    BallotRow.college_key,
    BallotRow.member_id,
    BallotRow.submitted_at,
)
