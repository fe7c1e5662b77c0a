"""Typed answers: what a person writes in chat for each method, read into a checked answer.

Single ``2`` (or the option's label) · multiple ``1,3`` / ``1 3`` · ranking ``3>1>2`` / ``3,1,2``
· judgment ``1:2 2:1 3:5`` (option:grade, a grade by number, 1 = best, or by name) or one grade
per line in option order · scale ``4`` · free text as is · ``blanc`` / ``blank`` / ``abstention``
for an explicit blank. Every mistake raises a DomainError whose key says exactly what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from bot.core.errors import DomainError
from bot.polls.questions import Answer, Question, QuestionMethod

BLANK_WORDS = frozenset(
    {"blanc", "vote blanc", "blank", "abstention", "abstain", "je m'abstiens", "je m’abstiens"}
)
NONE_WORDS = frozenset({"aucun", "aucune", "rien", "none", "nothing"})
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_NUMBER = re.compile(r"^[+-]?\d{1,9}$")
_GRADE_PAIR = re.compile(r"(\d{1,3})\s*[:=]\s*(.+?)\s*(?=[,;\n]|\s+\d{1,3}\s*[:=]|$)", re.DOTALL)


def fold(text: str) -> str:
    """Compare words without case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def parse_answer(question: Question, text: str) -> Answer:
    """Read a typed answer to one question; returns the checked answer or raises DomainError."""
    text = text.strip()
    if not text:
        raise DomainError("answer.empty")
    method = question.method
    if method is QuestionMethod.FREE_TEXT:
        return question.check_answer(text)
    if fold(text) in {fold(word) for word in BLANK_WORDS}:
        return question.check_answer(None)
    if method is QuestionMethod.SINGLE:
        return question.check_answer(_single(question, text))
    if method is QuestionMethod.MULTIPLE:
        if fold(text) in NONE_WORDS:
            return question.check_answer(())
        return question.check_answer(_numbers(question, _LIST_SEPARATORS.split(text)))
    if method is QuestionMethod.RANKING:
        parts = text.split(">") if ">" in text else _LIST_SEPARATORS.split(text)
        return question.check_answer(_numbers(question, parts))
    if method is QuestionMethod.JUDGMENT:
        return question.check_answer(_grades(question, text))
    if not _NUMBER.match(text):
        raise DomainError(
            "answer.not_on_scale",
            {"text": text, "min": question.scale_min, "max": question.scale_max},
        )
    return question.check_answer(int(text))


def _single(question: Question, text: str) -> str:
    if _NUMBER.match(text):
        return _option_key(question, text)
    for option in question.options:
        if fold(option.label) == fold(text):
            return option.key
    raise DomainError("answer.not_an_option", {"text": text, "count": len(question.options)})


def _option_key(question: Question, token: str) -> str:
    """The option key of a typed number (1-based)."""
    if not _NUMBER.match(token):
        raise DomainError("answer.not_a_number", {"text": token})
    number = int(token)
    if not 1 <= number <= len(question.options):
        raise DomainError(
            "answer.no_such_option", {"number": number, "count": len(question.options)}
        )
    return question.options[number - 1].key


def _numbers(question: Question, tokens: Sequence[str]) -> tuple[str, ...]:
    keys: list[str] = []
    for token in (t.strip() for t in tokens):
        if not token:
            continue
        key = _option_key(question, token)
        if key in keys:
            raise DomainError("answer.duplicate_option", {"number": int(token)})
        keys.append(key)
    if not keys:
        raise DomainError("answer.empty")
    return tuple(keys)


def _grades(question: Question, text: str) -> dict[str, str]:
    graded: dict[str, str] = {}
    if re.search(r"\d\s*[:=]", text):
        pairs = _GRADE_PAIR.findall(text)
        leftover = _GRADE_PAIR.sub("", text)
        if not pairs or re.sub(r"[\s,;]", "", leftover):
            raise DomainError("answer.judgment_format", {"grades": question.grade_list()})
        for number, grade in pairs:
            key = _option_key(question, number)
            if key in graded:
                raise DomainError("answer.grade_twice", {"number": int(number)})
            graded[key] = _grade(question, grade)
        return graded
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        tokens = _LIST_SEPARATORS.split(lines[0])
        if all(_NUMBER.match(token) for token in tokens):
            lines = tokens
        else:
            lines = [part.strip() for part in re.split(r"[,;]", lines[0]) if part.strip()]
    if len(lines) > len(question.options):
        raise DomainError(
            "answer.too_many_grades", {"count": len(lines), "options": len(question.options)}
        )
    for option, grade in zip(question.options, lines, strict=False):
        graded[option.key] = _grade(question, grade)
    return graded


def _grade(question: Question, text: str) -> str:
    text = text.strip()
    if _NUMBER.match(text) and 1 <= int(text) <= len(question.grades):
        return question.grades[int(text) - 1]
    for grade in question.grades:
        if fold(grade) == fold(text):
            return grade
    raise DomainError("answer.unknown_grade", {"text": text, "grades": question.grade_list()})


def typed_form(question: Question, answer: Answer) -> str:
    """How a person would type this answer (the inverse of ``parse_answer``)."""
    if answer is None:
        return "blanc"
    method = question.method
    if method is QuestionMethod.SINGLE and isinstance(answer, str):
        return str(question.number_of(answer))
    if method in (QuestionMethod.MULTIPLE, QuestionMethod.RANKING) and isinstance(answer, tuple):
        if not answer:
            return "aucun"
        separator = "," if method is QuestionMethod.MULTIPLE else ">"
        return separator.join(str(question.number_of(key)) for key in answer)
    if method is QuestionMethod.JUDGMENT and isinstance(answer, Mapping):
        return " ".join(
            f"{question.number_of(key)}:{question.grades.index(grade) + 1}"
            for key, grade in answer.items()
        )
    return str(answer)
