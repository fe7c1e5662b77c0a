"""Sealing a secret poll's ballot box at the close, so no ballot can be linked to a voter.

While a secret poll is open, a ballot is keyed by a pseudonym so its voter can replace it. At
the close the per-poll secret is erased (by the caller) and this module rewrites the box:

* every ballot is copied under a fresh random id, in random order, without pseudonym, member
  or time, and its answers follow it; then the originals are deleted;
* on PostgreSQL every sealed row is written by the closing transaction (one ``xmin`` for all,
  none shared with the participation register) and the heap order is random;
* on SQLite both tables are ``WITHOUT ROWID`` (stored in random-id order) and the deleted
  pages are zeroed (``PRAGMA secure_delete``).

What remains outside SQL's reach: PostgreSQL keeps dead row versions (and the erased secret)
until VACUUM runs, and both engines' write-ahead logs keep old pages until they are recycled;
an operator who wants them gone at once runs ``VACUUM`` after closing a secret poll.
"""

from __future__ import annotations

from sqlalchemy import String, cast, delete, func, insert, literal, null, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.poll_tables import AnswerRow, BallotRow

COLUMNS = ["id", "poll_id", "voter_key", "member_id", "college_key", "receipt", "submitted_at",
           "origin"]  # fmt: skip


async def seal_ballot_box(session: AsyncSession, poll_id: int) -> int:
    """Rewrite a secret poll's box unlinkably; returns the number of ballots sealed."""
    fresh_id: ColumnElement[str]
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        fresh_id = cast(func.gen_random_uuid(), String)
    else:
        await session.execute(text("PRAGMA secure_delete = ON"))
        fresh_id = func.lower(func.hex(func.randomblob(16)))
    copies = (
        select(
            fresh_id,
            literal(poll_id),
            null(),
            null(),
            BallotRow.college_key,
            BallotRow.receipt,
            null(),
            BallotRow.id,
        )
        .where(BallotRow.poll_id == poll_id, BallotRow.origin.is_(None))
        .order_by(func.random())
    )
    await session.execute(insert(BallotRow).from_select(COLUMNS, copies))
    answers = (
        select(
            BallotRow.id,
            AnswerRow.question_id,
            AnswerRow.college_key,
            AnswerRow.value,
            AnswerRow.text,
        )
        .join(AnswerRow, AnswerRow.ballot_id == BallotRow.origin)
        .where(BallotRow.poll_id == poll_id, BallotRow.origin.is_not(None))
        .order_by(BallotRow.id)
    )
    await session.execute(
        insert(AnswerRow).from_select(
            ["ballot_id", "question_id", "college_key", "value", "text"], answers
        )
    )
    await session.execute(
        delete(BallotRow).where(BallotRow.poll_id == poll_id, BallotRow.origin.is_(None))
    )
    result = await session.execute(
        update(BallotRow).where(BallotRow.poll_id == poll_id).values(origin=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
