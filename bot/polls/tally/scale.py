"""Scale questions (Likert or numeric): distribution, mean and median, exactly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.polls.tally.accumulator import Accumulator
from bot.polls.tally.common import ZERO, Basis, Method, TieGroups, mass_json
from bot.polls.tally.rules import TallyError


@dataclass(frozen=True, slots=True)
class ScaleDetail:
    """Distribution of answers over every value of the scale, their mean and median.

    A scale question has no winner and no ranking. Mean and median are None without answers.
    """

    weighted: bool
    distribution: Mapping[int, Fraction]
    mean: Fraction | None
    median: Fraction | None

    @property
    def winner(self) -> str | None:
        """Always None: a scale has no winner."""
        return None

    @property
    def ranking(self) -> TieGroups:
        """Always empty: a scale ranks nothing."""
        return ()

    def to_json(self) -> dict[str, Any]:
        """``winner`` and ``ranking`` (null, []), ``mean``, ``median``, ``distribution``."""
        return {
            "winner": None,
            "ranking": [],
            "mean": None if self.mean is None else str(self.mean),
            "median": None if self.median is None else str(self.median),
            "distribution": {
                str(value): mass_json(mass, weighted=self.weighted)
                for value, mass in self.distribution.items()
            },
        }


def weighted_median(distribution: Mapping[int, Fraction]) -> Fraction | None:
    """Median of a value -> mass distribution: the mean of the lower and upper medians.

    The lower median is the smallest value whose cumulative mass reaches half the total, the
    upper median the smallest whose cumulative mass exceeds it. They differ only when exactly
    half the mass lies at or below the lower one; with unit masses this is the usual median
    (the mean of the two middle values for an even count).
    """
    total = sum(distribution.values(), ZERO)
    if total == 0:
        return None
    half = total / 2
    lower: int | None = None
    cumulative = ZERO
    for value in sorted(distribution):
        cumulative += distribution[value]
        if lower is None and cumulative >= half:
            lower = value
        if cumulative > half:
            assert lower is not None
            return (lower + Fraction(value)) / 2
    raise AssertionError("unreachable: the cumulative mass ends above half")


class ScaleTally(Accumulator[int, ScaleDetail]):
    """Scale question from ``minimum`` to ``maximum`` (integers); an answer is an integer."""

    method = Method.SCALE

    def __init__(self, minimum: int, maximum: int) -> None:
        super().__init__()
        for name, value in (("minimum", minimum), ("maximum", maximum)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TallyError(f"scale {name} must be an integer, got {value!r}")
        if minimum >= maximum:
            raise TallyError(f"scale minimum ({minimum}) must be below maximum ({maximum})")
        self.minimum = minimum
        self.maximum = maximum

    def _keys(self, answer: object) -> tuple[int, ...] | None:
        if isinstance(answer, bool) or not isinstance(answer, int):
            return None
        if not self.minimum <= answer <= self.maximum:
            return None
        return (answer,)

    def _analyse(self, mass: Mapping[int, Fraction], basis: Basis) -> ScaleDetail:
        distribution = {
            value: mass.get(value, ZERO) for value in range(self.minimum, self.maximum + 1)
        }
        total = sum(distribution.values(), ZERO)
        mean = None
        if total:
            mean = sum((value * count for value, count in distribution.items()), ZERO) / total
        return ScaleDetail(basis.weighted, distribution, mean, weighted_median(distribution))
