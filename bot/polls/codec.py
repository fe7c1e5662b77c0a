"""Encodings: answers as stored in one text column, poll specs as JSON (wizard state, audit).

Stored answers (``NULL`` is a blank): single ``A`` · multiple ``A,C`` (empty string: no option)
· ranking ``B>A`` · judgment one grade index per option in option order (``206``: A graded 1st
grade, B 1st, C 7th) · scale ``4`` · free text as is. Equal answers have equal encodings, so
SQL can ``GROUP BY`` them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.polls.model import Audience, PollKind, PollSpec, ResultsVisibility, Secrecy
from bot.polls.questions import Answer, Question, QuestionMethod, RankingRule, new_question

QUESTION_SETTINGS = (
    "min_selections",
    "max_selections",
    "ranking_rule",
    "grades",
    "scale_min",
    "scale_max",
    "scale_min_label",
    "scale_max_label",
    "optional",
    "allow_blank",
    "max_length",
)


def encode_answer(question: Question, answer: Answer) -> str | None:
    """The stored text of a checked answer."""
    if answer is None:
        return None
    method = question.method
    if method is QuestionMethod.MULTIPLE and isinstance(answer, tuple):
        return ",".join(answer)
    if method is QuestionMethod.RANKING and isinstance(answer, tuple):
        return ">".join(answer)
    if method is QuestionMethod.JUDGMENT and isinstance(answer, Mapping):
        worst = question.worst_grade
        return "".join(
            str(question.grades.index(answer.get(key, worst))) for key in question.option_keys
        )
    return str(answer)


def decode_answer(question: Question, value: str | None) -> Answer:
    """A stored text back to the answer shape the tally engine reads."""
    if value is None:
        return None
    method = question.method
    if method is QuestionMethod.MULTIPLE:
        return tuple(value.split(",")) if value else ()
    if method is QuestionMethod.RANKING:
        return tuple(value.split(">"))
    if method is QuestionMethod.JUDGMENT:
        grades = question.grades
        return {key: grades[int(c)] for key, c in zip(question.option_keys, value, strict=True)}
    if method is QuestionMethod.SCALE:
        return int(value)
    return value


def decode_stored(question: Question, value: str | None, text: str | None) -> Answer:
    """An answer from its two stored columns (free text lives in ``text``)."""
    if question.method is QuestionMethod.FREE_TEXT:
        return text
    return decode_answer(question, value)


def answer_json(question: Question, answer: Answer) -> Any:
    """An answer in the recount JSON shape (lists for tuples, objects for judgments)."""
    if isinstance(answer, tuple):
        return list(answer)
    if isinstance(answer, Mapping):
        return dict(answer)
    return answer


def question_to_json(question: Question) -> dict[str, Any]:
    """A question as JSON (option labels in order; keys are implied)."""
    doc: dict[str, Any] = {
        "prompt": question.prompt,
        "method": question.method.value,
        "options": [option.label for option in question.options],
    }
    for name in QUESTION_SETTINGS:
        value = getattr(question, name)
        doc[name] = list(value) if isinstance(value, tuple) else value
    return doc


def question_from_json(doc: Mapping[str, Any], position: int = 1) -> Question:
    """Read a question written by ``question_to_json`` (missing settings take defaults)."""
    try:
        method = QuestionMethod(doc["method"])
        settings: dict[str, object] = {k: doc[k] for k in QUESTION_SETTINGS if k in doc}
        if "grades" in settings:
            settings["grades"] = tuple(str(g) for g in settings["grades"])  # type: ignore[attr-defined]
        if "ranking_rule" in settings:
            settings["ranking_rule"] = RankingRule(str(settings["ranking_rule"]))
        options = [str(label) for label in doc.get("options", [])]
        return new_question(str(doc["prompt"]), method, options, position=position, **settings)
    except (KeyError, ValueError, TypeError) as error:
        raise DomainError("question.bad_setting", {"question": position}) from error


def spec_to_json(spec: PollSpec) -> dict[str, Any]:
    """A poll spec as JSON (dates ISO 8601 UTC, fractions as ``"2/3"``)."""
    return {
        "title": spec.title,
        "summary": spec.summary,
        "kind": spec.kind.value,
        "audience": {
            "roles": sorted(role.value for role in spec.audience.roles),
            "colleges": sorted(spec.audience.colleges),
        },
        "secrecy": spec.secrecy.value,
        "visibility": spec.visibility.value,
        "opens_at": _iso(spec.opens_at),
        "closes_at": _iso(spec.closes_at),
        "quorum": None if spec.quorum is None else str(spec.quorum),
        "majority": None if spec.majority is None else str(spec.majority),
        "extraordinary": spec.extraordinary,
        "questions": [question_to_json(q) for q in spec.questions],
    }


def spec_from_json(doc: Mapping[str, Any]) -> PollSpec:
    """Read a spec written by ``spec_to_json`` (or built step by step by a wizard)."""
    try:
        audience = doc.get("audience") or {}
        return PollSpec(
            title=str(doc.get("title", "")),
            summary=str(doc.get("summary", "")),
            kind=PollKind(doc.get("kind", PollKind.CONSULTATION.value)),
            audience=Audience(
                roles=frozenset(Role(r) for r in audience.get("roles", [])),
                colleges=frozenset(str(c) for c in audience.get("colleges", [])),
            ),
            secrecy=Secrecy(doc.get("secrecy", Secrecy.SECRET.value)),
            visibility=ResultsVisibility(
                doc.get("visibility", ResultsVisibility.AFTER_CLOSE.value)
            ),
            opens_at=_from_iso(doc.get("opens_at")),
            closes_at=_from_iso(doc.get("closes_at")),
            quorum=_fraction(doc.get("quorum")),
            majority=_fraction(doc.get("majority")),
            extraordinary=bool(doc.get("extraordinary", False)),
            questions=tuple(
                question_from_json(q, position=n)
                for n, q in enumerate(doc.get("questions", []), start=1)
            ),
        )
    except (ValueError, TypeError, AttributeError, ZeroDivisionError) as error:
        raise DomainError("poll.bad_spec") from error


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: object) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive datetime in a poll spec")
    return parsed


def _fraction(value: object) -> Fraction | None:
    return None if value is None else Fraction(str(value))
