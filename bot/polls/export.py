"""Exports: the recount JSON (what ``parvis tally`` reads), the ballot CSV, the receipt list.

A recount document covers one question (docs/recount.md)::

    {"question": {...}, "statutes": {...}, "ballots": [{"college", "answer", "count"}, ...]}

Secret polls list one row per ballot with its ``receipt`` (so each voter can find theirs),
sorted by receipt; nominative polls list identical answers once with their ``count``.
Free-text questions are not counted, so they have no recount document (they are in the CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_
from bot.polls.ballot_box import BallotBox, StoredBallot
from bot.polls.codec import answer_json, decode_answer, decode_stored
from bot.polls.model import Poll
from bot.polls.questions import Answer, Question, QuestionMethod
from bot.polls.repository import PollRepository
from bot.polls.results import counting_rules
from bot.polls.tally import CountingRules
from bot.polls.views import PublishedBallot
from bot.storage.tables import MemberRow

CSV_RECEIPT = N_("Receipt")
CSV_MEMBER = N_("Member")
CSV_COLLEGE = N_("Collège")
CSV_SUBMITTED = N_("Submitted at")
CSV_BLANK = N_("blank")


@dataclass(frozen=True, slots=True)
class RecountDocument:
    """The recount input of one question, ready for ``json.dumps``."""

    poll_id: int
    position: int
    prompt: str
    document: dict[str, Any]

    @property
    def filename(self) -> str:
        """A file name for it, like ``poll-12-question-2.json``."""
        return f"poll-{self.poll_id}-question-{self.position}.json"


def question_json(question: Question) -> dict[str, Any]:
    """The ``question`` object of the recount format."""
    method = question.method
    doc: dict[str, Any] = {"method": method.value}
    if method is QuestionMethod.SCALE:
        doc["scale"] = {"min": question.scale_min, "max": question.scale_max}
        return doc
    doc["options"] = list(question.option_keys)
    if method is QuestionMethod.MULTIPLE:
        doc["max_selections"] = question.max_selections
        doc["min_selections"] = question.min_selections
    elif method is QuestionMethod.RANKING:
        doc["rule"] = question.ranking_rule.value
    elif method is QuestionMethod.JUDGMENT:
        doc["grades"] = list(question.grades)
    return doc


def statutes_json(rules: CountingRules) -> dict[str, Any]:
    """The ``statutes`` object of the recount format (collèges only when weighted)."""
    return {
        "colleges": [{"id": key, "weight": str(w)} for key, w in rules.colleges.items()],
        "empty_college": rules.empty_college.value,
        "blank_counts_as_cast": rules.blank_counts_as_cast,
    }


async def recount_documents(
    polls: PollRepository, box: BallotBox, poll: Poll
) -> list[RecountDocument]:
    """One recount document per counted question of the poll."""
    statutes = await polls.statutes(poll.organisation_id, poll.statutes_version)
    rules = statutes_json(counting_rules(poll, statutes))
    documents = []
    for question in poll.questions:
        if question.method is QuestionMethod.FREE_TEXT:
            continue
        assert question.id is not None
        ballots: list[dict[str, Any]] = []
        if poll.is_secret:
            async for batch in box.with_receipts(question.id):
                for college, value, receipt in batch:
                    row = _row(college, answer_json(question, decode_answer(question, value)))
                    ballots.append({**row, "receipt": receipt} if receipt else row)
        else:
            async for batch in box.grouped(question.id):
                for college, value, count in batch:
                    answer = answer_json(question, decode_answer(question, value))
                    ballots.append({**_row(college, answer), "count": int(count)})
        document = {"question": question_json(question), "statutes": rules, "ballots": ballots}
        documents.append(RecountDocument(poll.id, question.position, question.prompt, document))
    return documents


def _row(college: str | None, answer: Any) -> dict[str, Any]:
    return {"college": college, "answer": answer} if college else {"answer": answer}


async def ballots_by_one(
    box: BallotBox, poll: Poll
) -> AsyncIterator[tuple[StoredBallot, dict[int, Answer]]]:
    """Each ballot with its answers by question position, streamed (sorted by receipt)."""
    by_id = {q.id: q for q in poll.questions}
    current: StoredBallot | None = None
    answers: dict[int, Answer] = {}
    async for ballot, question_id, value, text in box.ballots_with_answers(poll.id):
        if current is not None and ballot.id != current.id:
            yield current, answers
            answers = {}
        current = ballot
        question = by_id.get(question_id)
        if question is not None:
            answers[question.position] = decode_stored(question, value, text)
    if current is not None:
        yield current, answers


async def published_ballots(box: BallotBox, poll: Poll) -> AsyncIterator[PublishedBallot]:
    """The published list of a secret poll: receipt, collège and answers, by receipt."""
    async for ballot, answers in ballots_by_one(box, poll):
        if ballot.receipt is not None:
            yield PublishedBallot(ballot.receipt, ballot.college_key, answers)


async def ballots_csv(
    session: AsyncSession,
    box: BallotBox,
    poll: Poll,
    translate: Callable[[str], str] = str,
    delimiter: str = ";",
) -> str:
    """One line per ballot: receipt (secret) or member (nominative), collège, each answer.

    UTF-8 with a byte-order mark and ``;`` between fields, as French spreadsheets expect.
    """
    names: dict[int, str] = {}
    if not poll.is_secret:
        rows = await session.execute(
            select(MemberRow.id, MemberRow.display_name).where(
                MemberRow.organisation_id == poll.organisation_id
            )
        )
        names = {member_id: name for member_id, name in rows}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    who = (
        [translate(CSV_RECEIPT)]
        if poll.is_secret
        else [translate(CSV_MEMBER), translate(CSV_SUBMITTED)]
    )
    writer.writerow([*who, translate(CSV_COLLEGE), *(q.prompt for q in poll.questions)])
    blank = translate(CSV_BLANK)
    async for ballot, answers in ballots_by_one(box, poll):
        if poll.is_secret:
            first = [ballot.receipt or ""]
        else:
            when = ballot.submitted_at.isoformat() if ballot.submitted_at else ""
            first = [names.get(ballot.member_id or 0, ""), when]
        cells = [
            answer_label(q, answers[q.position], blank) if q.position in answers else ""
            for q in poll.questions
        ]
        writer.writerow([*first, ballot.college_key or "", *cells])
    return out.getvalue()


def answer_label(question: Question, answer: Answer, blank: str) -> str:
    """An answer in words, with option labels: ``Vélo > Jardin``, ``Jardin: Bien; ...``."""
    if answer is None:
        return blank
    labels = {option.key: option.label for option in question.options}
    if isinstance(answer, str) and question.method is QuestionMethod.SINGLE:
        return labels[answer]
    if isinstance(answer, tuple):
        separator = "; " if question.method is QuestionMethod.MULTIPLE else " > "
        return separator.join(labels[key] for key in answer)
    if isinstance(answer, Mapping):
        return "; ".join(f"{labels[key]}: {grade}" for key, grade in answer.items())
    return str(answer)
