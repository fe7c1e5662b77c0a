"""Shared vocabulary of the counting methods: methods, turnout, masses, tie groups, JSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Protocol, TypeVar

from bot.polls.tally.rules import TallyError

ZERO = Fraction(0)
ONE = Fraction(1)

TieGroups = tuple[tuple[str, ...], ...]
"""A ranking as groups of tied options, best group first, each group in question order."""


class Method(StrEnum):
    """Question methods that produce a count."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"
    JUDGMENT = "judgment"
    SCALE = "scale"


class RankingRule(StrEnum):
    """How a ranking question is counted."""

    SCHULZE = "schulze"
    IRV = "irv"


@dataclass(frozen=True, slots=True)
class Turnout:
    """Ballots received in one population, by kind."""

    valid: int
    blank: int
    invalid: int

    @property
    def ballots(self) -> int:
        """All ballots received (valid, blank and invalid)."""
        return self.valid + self.blank + self.invalid

    def to_json(self) -> dict[str, int]:
        """Counts as a JSON object."""
        return {"valid": self.valid, "blank": self.blank, "invalid": self.invalid}


@dataclass(frozen=True, slots=True)
class Basis:
    """What one view of a tally rests on: valid and blank mass, and how it is reported.

    In a headcount view a mass is a number of ballots; in the weighted view each ballot of
    collège c has mass w_c / n_c, so the total counted mass is 1.
    """

    valid: Fraction
    blank: Fraction
    blank_counts_as_cast: bool
    weighted: bool

    @property
    def cast(self) -> Fraction:
        """Denominator of shares: valid mass, plus blank mass when blank counts as cast."""
        return self.valid + self.blank if self.blank_counts_as_cast else self.valid

    @property
    def blank_share(self) -> Fraction | None:
        """Share of blank ballots among cast ones, or None when blank is not cast."""
        if not self.blank_counts_as_cast:
            return None
        return share(self.blank, self.cast)


class Detail(Protocol):
    """Method-specific result of one view (headcount, weighted, or one collège)."""

    @property
    def winner(self) -> str | None:
        """The single best option, or None on a tie or without a winner."""
        ...

    @property
    def ranking(self) -> TieGroups:
        """Tie groups, best first."""
        ...

    def to_json(self) -> dict[str, Any]:
        """The recount-format object for this view."""
        ...


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


_Key = TypeVar("_Key", bound=_Comparable)


def share(part: Fraction, whole: Fraction) -> Fraction:
    """``part / whole``, or 0 when there is nothing to share."""
    return part / whole if whole else ZERO


def tie_groups(options: Sequence[str], key: Callable[[str], _Key]) -> TieGroups:
    """Group options by equal key, smallest key first, question order inside a group."""
    keys = {option: key(option) for option in options}
    ordered = sorted(options, key=keys.__getitem__)
    groups: list[list[str]] = []
    for index, option in enumerate(ordered):
        if index and keys[option] == keys[ordered[index - 1]]:
            groups[-1].append(option)
        else:
            groups.append([option])
    return tuple(tuple(group) for group in groups)


def sole_winner(ranking: TieGroups, counted: Fraction) -> str | None:
    """The option alone in the first tie group, provided something was counted."""
    if counted <= 0 or not ranking or len(ranking[0]) != 1:
        return None
    return ranking[0][0]


def parse_ranking(answer: object, known: frozenset[str]) -> tuple[str, ...] | None:
    """A ranking answer (best first, distinct known options, at least one), or None if void."""
    if not isinstance(answer, list | tuple) or not answer:
        return None
    ranked = tuple(answer)
    if not all(isinstance(item, str) and item in known for item in ranked):
        return None
    if len(set(ranked)) != len(ranked):
        return None
    return ranked


def check_options(options: Sequence[str], *, minimum: int = 2) -> tuple[str, ...]:
    """Validate option keys: distinct non-empty strings, at least ``minimum`` of them."""
    keys = tuple(options)
    if isinstance(options, str) or not all(isinstance(key, str) and key for key in keys):
        raise TallyError("options must be non-empty strings")
    if len(set(keys)) != len(keys):
        raise TallyError("options must be distinct")
    if len(keys) < minimum:
        raise TallyError(f"a question needs at least {minimum} options, got {len(keys)}")
    return keys


def mass_json(value: Fraction, *, weighted: bool) -> int | str:
    """A mass as JSON: an integer for a headcount, an exact fraction string when weighted."""
    if not weighted and value.denominator == 1:
        return int(value)
    return str(value)


def ranking_json(ranking: TieGroups) -> list[list[str]]:
    """Tie groups as JSON lists."""
    return [list(group) for group in ranking]
