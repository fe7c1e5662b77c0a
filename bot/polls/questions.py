"""Pure rules of questions: methods, options, settings, and validation of one answer.

An answer has the shape the tally engine and the recount format use, with option keys:
single ``"A"``, multiple ``("A", "C")``, ranking ``("B", "A")`` (best first), judgment
``{"A": "Bien"}``, scale ``4``, free text ``"..."``; ``None`` is an explicit blank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.errors import DomainError

OPTION_KEYS = "ABCDEFGHIJKLMNOPQRST"
MAX_OPTIONS = len(OPTION_KEYS)
MAX_PROMPT = 500
MAX_LABEL = 200
MAX_GRADES = 10
MAX_SCALE_SPAN = 100
MAX_TEXT_LENGTH = 4000
DEFAULT_TEXT_LENGTH = 500
DEFAULT_GRADES = (
    "Excellent",
    "Très bien",
    "Bien",
    "Assez bien",
    "Passable",
    "Insuffisant",
    "À rejeter",
)

Answer = str | int | tuple[str, ...] | Mapping[str, str] | None
"""One validated answer (see the module docstring); None is a blank."""


class QuestionMethod(StrEnum):
    """How a question is answered and counted."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"
    JUDGMENT = "judgment"
    SCALE = "scale"
    FREE_TEXT = "free_text"


class RankingRule(StrEnum):
    """How a ranking question is counted."""

    SCHULZE = "schulze"
    IRV = "irv"


CHOICE_METHODS = frozenset(
    {
        QuestionMethod.SINGLE,
        QuestionMethod.MULTIPLE,
        QuestionMethod.RANKING,
        QuestionMethod.JUDGMENT,
    }
)


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a choice question: a stable key (``A``, ``B``...) and its label."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a poll and every setting its method uses."""

    position: int
    prompt: str
    method: QuestionMethod
    options: tuple[Option, ...] = ()
    min_selections: int = 1
    max_selections: int = 1
    ranking_rule: RankingRule = RankingRule.SCHULZE
    grades: tuple[str, ...] = DEFAULT_GRADES
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label: str = ""
    scale_max_label: str = ""
    optional: bool = False
    allow_blank: bool = True
    max_length: int = DEFAULT_TEXT_LENGTH
    id: int | None = field(default=None, compare=False)

    @property
    def option_keys(self) -> tuple[str, ...]:
        """Option keys in question order."""
        return tuple(option.key for option in self.options)

    def option(self, key: str) -> Option:
        """The option with this key."""
        for option in self.options:
            if option.key == key:
                return option
        raise DomainError("answer.no_such_option", {"number": key, "count": len(self.options)})

    @property
    def worst_grade(self) -> str:
        """The grade an ungraded option receives."""
        return self.grades[-1]

    def validate(self) -> Question:
        """Check the definition; returns itself so it can be chained."""
        where = {"question": self.position}
        if not self.prompt.strip():
            raise DomainError("question.prompt_empty", where)
        if len(self.prompt) > MAX_PROMPT:
            raise DomainError("question.prompt_too_long", {**where, "max": MAX_PROMPT})
        if self.method in CHOICE_METHODS:
            self._validate_options()
        elif self.options:
            raise DomainError("question.options_not_allowed", where)
        if self.method is QuestionMethod.MULTIPLE and not (
            0 <= self.min_selections <= self.max_selections <= len(self.options)
            and self.max_selections >= 1
        ):
            raise DomainError("question.bad_selections", {**where, "count": len(self.options)})
        if self.method is QuestionMethod.JUDGMENT and not (
            2 <= len(self.grades) <= MAX_GRADES
            and all(g.strip() and len(g) <= MAX_LABEL for g in self.grades)
            and len({g.casefold() for g in self.grades}) == len(self.grades)
        ):
            raise DomainError("question.bad_grades", {**where, "max": MAX_GRADES})
        if self.method is QuestionMethod.SCALE and not (
            self.scale_min < self.scale_max <= self.scale_min + MAX_SCALE_SPAN
            and len(self.scale_min_label) <= MAX_LABEL
            and len(self.scale_max_label) <= MAX_LABEL
        ):
            raise DomainError("question.bad_scale", {**where, "max": MAX_SCALE_SPAN})
        if self.method is QuestionMethod.FREE_TEXT and not 1 <= self.max_length <= MAX_TEXT_LENGTH:
            raise DomainError("question.bad_max_length", {**where, "max": MAX_TEXT_LENGTH})
        return self

    def _validate_options(self) -> None:
        where = {"question": self.position}
        minimum = 1 if self.method is QuestionMethod.JUDGMENT else 2
        if len(self.options) < minimum:
            raise DomainError("question.too_few_options", {**where, "min": minimum})
        if len(self.options) > MAX_OPTIONS:
            raise DomainError("question.too_many_options", {**where, "max": MAX_OPTIONS})
        if "".join(self.option_keys) != OPTION_KEYS[: len(self.options)]:
            raise DomainError("question.bad_option_keys", where)
        labels = [option.label.strip() for option in self.options]
        if not all(labels) or any(len(label) > MAX_LABEL for label in labels):
            raise DomainError("question.bad_option_label", {**where, "max": MAX_LABEL})
        if len({label.casefold() for label in labels}) != len(labels):
            raise DomainError("question.duplicate_option", where)

    def check_answer(self, answer: object) -> Answer:
        """Validate one answer; returns its canonical form or raises a precise DomainError."""
        if answer is None:
            if not self.allow_blank:
                raise DomainError("answer.blank_not_allowed")
            return None
        method = self.method
        if method is QuestionMethod.SINGLE:
            if not isinstance(answer, str) or answer not in self.option_keys:
                raise DomainError("answer.no_such_option", self._bad_option(answer))
            return answer
        if method is QuestionMethod.MULTIPLE:
            chosen = self._distinct_keys(answer)
            if len(chosen) < self.min_selections:
                raise DomainError("answer.too_few_choices", {"min": self.min_selections})
            if len(chosen) > self.max_selections:
                raise DomainError("answer.too_many_choices", {"max": self.max_selections})
            return tuple(key for key in self.option_keys if key in chosen)
        if method is QuestionMethod.RANKING:
            ranked = self._distinct_keys(answer)
            if not ranked:
                raise DomainError("answer.empty")
            return ranked
        if method is QuestionMethod.JUDGMENT:
            return self._check_grades(answer)
        if method is QuestionMethod.SCALE:
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise DomainError("answer.not_on_scale", self._scale_params(answer))
            if not self.scale_min <= answer <= self.scale_max:
                raise DomainError("answer.scale_out_of_range", self._scale_params(answer))
            return answer
        if not isinstance(answer, str) or not answer.strip():
            raise DomainError("answer.empty")
        text = answer.strip()
        if len(text) > self.max_length:
            raise DomainError(
                "answer.text_too_long", {"length": len(text), "max": self.max_length}
            )
        return text

    def _distinct_keys(self, answer: object) -> tuple[str, ...]:
        if isinstance(answer, str) or not isinstance(answer, Sequence):
            raise DomainError("answer.no_such_option", self._bad_option(answer))
        keys: list[str] = []
        for item in answer:
            if not isinstance(item, str) or item not in self.option_keys:
                raise DomainError("answer.no_such_option", self._bad_option(item))
            if item in keys:
                raise DomainError("answer.duplicate_option", {"number": self.number_of(item)})
            keys.append(item)
        return tuple(keys)

    def _check_grades(self, answer: object) -> dict[str, str]:
        if not isinstance(answer, Mapping):
            raise DomainError("answer.unknown_grade", {"text": str(answer), "grades": ""})
        graded = dict.fromkeys(self.option_keys, self.worst_grade)
        for key, grade in answer.items():
            if not isinstance(key, str) or key not in self.option_keys:
                raise DomainError("answer.no_such_option", self._bad_option(key))
            if not isinstance(grade, str) or grade not in self.grades:
                raise DomainError(
                    "answer.unknown_grade", {"text": str(grade), "grades": self.grade_list()}
                )
            graded[key] = grade
        return graded

    def number_of(self, key: str) -> int:
        """The 1-based number shown for an option key."""
        return self.option_keys.index(key) + 1

    def grade_list(self) -> str:
        """Grades as typed: ``1 Excellent, 2 Très bien, ...``."""
        return ", ".join(f"{n} {grade}" for n, grade in enumerate(self.grades, start=1))

    def _bad_option(self, answer: object) -> dict[str, object]:
        return {"number": str(answer), "count": len(self.options)}

    def _scale_params(self, answer: object) -> dict[str, object]:
        return {"text": str(answer), "min": self.scale_min, "max": self.scale_max}


def new_question(
    prompt: str,
    method: QuestionMethod | str,
    options: Sequence[str] = (),
    *,
    position: int = 1,
    **settings: object,
) -> Question:
    """A validated question with option keys assigned in order (``A``, ``B``, ...)."""
    method = QuestionMethod(method)
    labels = [label.strip() for label in options]
    if len(labels) > MAX_OPTIONS:
        raise DomainError("question.too_many_options", {"question": position, "max": MAX_OPTIONS})
    built = Question(
        position=position,
        prompt=prompt.strip(),
        method=method,
        options=tuple(Option(OPTION_KEYS[i], label) for i, label in enumerate(labels)),
    )
    if method is QuestionMethod.MULTIPLE and "max_selections" not in settings:
        settings["max_selections"] = len(labels)
    try:
        built = replace(built, **settings)  # type: ignore[arg-type]
    except TypeError as error:
        raise DomainError("question.bad_setting", {"question": position}) from error
    return built.validate()
