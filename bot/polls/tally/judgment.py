"""Majority judgment (jugement majoritaire, Balinski & Laraki) on exact grade histograms.

Grades are listed best first and indexed from 0; a valid ballot grades every option (an
ungraded option gets the worst grade), so every option's histogram has the same total mass T.

Picture an option's ballots sorted best to worst along [0, T], each with its mass as width.
``lower(s)`` is the grade just after position T/2 + s and ``upper(s)`` the grade just before
position T/2 - s, for 0 <= s < T/2. The majority grade is ``lower(0)``: the lower middle
grade, i.e. the best grade g such that the mass of grades at least as good as g exceeds T/2.

Majority value: Balinski & Laraki remove one majority-grade ballot at a time and compare the
successive majority grades. With n unit ballots, that sequence reads the sorted grades by
distance from the middle, the worse side first at equal distance, i.e. the pairs
``(lower(s), upper(s))`` for growing s. We use that reading as the definition for fractional
masses: two options are compared at the smallest s where their pairs differ, ``lower`` first,
the better grade winning. On whole ballots it is exactly Balinski & Laraki's order, and it is
unchanged when every mass is multiplied by the same factor, so a weighted histogram is ranked
as the integer profile obtained by scaling it to a common denominator would be.
``majority_values`` reports, per option, the steps where its pair changes (``start`` = s / T).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from typing import Any

from bot.polls.tally.accumulator import Accumulator
from bot.polls.tally.common import (
    ZERO,
    Basis,
    Method,
    TieGroups,
    check_options,
    mass_json,
    ranking_json,
    sole_winner,
    tie_groups,
)
from bot.polls.tally.rules import TallyError

DEFAULT_GRADES = (
    "Excellent",
    "Très bien",
    "Bien",
    "Assez bien",
    "Passable",
    "Insuffisant",
    "À rejeter",
)
"""The default French grade scale, best first."""

Cell = tuple[str, int]
Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class MedianStep:
    """From ``start`` (a share of the mass, away from the middle) on, the grades either side."""

    start: Fraction
    lower: str
    upper: str

    def to_json(self) -> dict[str, str]:
        """The step as a JSON object."""
        return {"start": str(self.start), "lower": self.lower, "upper": self.upper}


@dataclass(frozen=True, slots=True)
class JudgmentDetail:
    """Grade distributions, majority grades and majority values of one view."""

    weighted: bool
    winner: str | None
    ranking: TieGroups
    distribution: Mapping[str, Mapping[str, Fraction]]
    majority_grades: Mapping[str, str | None]
    majority_values: Mapping[str, tuple[MedianStep, ...]]

    def to_json(self) -> dict[str, Any]:
        """``winner``, ``ranking``, ``majority_grades``, ``majority_values``, ``distribution``."""
        return {
            "winner": self.winner,
            "ranking": ranking_json(self.ranking),
            "majority_grades": dict(self.majority_grades),
            "majority_values": {
                option: [step.to_json() for step in steps]
                for option, steps in self.majority_values.items()
            },
            "distribution": {
                option: {
                    grade: mass_json(value, weighted=self.weighted)
                    for grade, value in histogram.items()
                }
                for option, histogram in self.distribution.items()
            },
        }


def majority_grade(histogram: Sequence[Fraction]) -> int | None:
    """Index of the lower middle grade of a best-first histogram, or None if it is empty."""
    total = sum(histogram, ZERO)
    for index, cumulative in enumerate(accumulate(histogram)):
        if 2 * cumulative > total:
            return index
    return None


def median_pair(histogram: Sequence[Fraction], distance: Fraction) -> Pair:
    """``(lower(s), upper(s))``: grade indexes either side of the middle at distance s."""
    cumulative = list(accumulate(histogram))
    half = cumulative[-1] / 2
    lower = next(index for index, mass in enumerate(cumulative) if mass > half + distance)
    upper = next(index for index, mass in enumerate(cumulative) if mass >= half - distance)
    return lower, upper


def median_breaks(histogram: Sequence[Fraction]) -> list[Fraction]:
    """The distances s, from 0 up, at which ``lower`` or ``upper`` may change."""
    cumulative = list(accumulate(histogram))
    total = cumulative[-1] if cumulative else ZERO
    if total == 0:
        return []
    half = total / 2
    breaks = {ZERO}
    breaks.update(mass - half for mass in cumulative if half <= mass < total)
    breaks.update(half - mass for mass in cumulative if 0 < mass <= half)
    return sorted(breaks)


class MajorityJudgmentTally(Accumulator[Cell, JudgmentDetail]):
    """Majority-judgment question; an answer maps option keys to grade names."""

    method = Method.JUDGMENT

    def __init__(self, options: Sequence[str], grades: Sequence[str] = DEFAULT_GRADES) -> None:
        super().__init__()
        self.options = check_options(options, minimum=1)
        self.grades = tuple(grades)
        if isinstance(grades, str) or not all(isinstance(g, str) and g for g in self.grades):
            raise TallyError("grades must be non-empty strings, best first")
        if len(set(self.grades)) != len(self.grades) or len(self.grades) < 2:
            raise TallyError("grades must be at least 2 distinct names, best first")
        self._known = frozenset(self.options)
        self._grade_index = {grade: index for index, grade in enumerate(self.grades)}

    def _keys(self, answer: object) -> tuple[Cell, ...] | None:
        if not isinstance(answer, Mapping):
            return None
        worst = len(self.grades) - 1
        cells: dict[str, int] = dict.fromkeys(self.options, worst)
        for option, grade in answer.items():
            if option not in self._known or not isinstance(grade, str):
                return None
            index = self._grade_index.get(grade)
            if index is None:
                return None
            cells[option] = index
        return tuple(cells.items())

    def _analyse(self, mass: Mapping[Cell, Fraction], basis: Basis) -> JudgmentDetail:
        histograms = {
            option: [mass.get((option, index), ZERO) for index in range(len(self.grades))]
            for option in self.options
        }
        grade_names = self.grades
        breaks = sorted({s for hist in histograms.values() for s in median_breaks(hist)})

        def order(option: str) -> tuple[Pair, ...]:
            hist = histograms[option]
            return tuple(median_pair(hist, s) for s in breaks) if sum(hist) else ()

        ranking = tie_groups(self.options, order)
        grades: dict[str, str | None] = {}
        values: dict[str, tuple[MedianStep, ...]] = {}
        for option, hist in histograms.items():
            index = majority_grade(hist)
            grades[option] = None if index is None else grade_names[index]
            values[option] = self._steps(hist)
        distribution = {
            option: dict(zip(grade_names, hist, strict=True))
            for option, hist in histograms.items()
        }
        winner = sole_winner(ranking, basis.valid)
        return JudgmentDetail(basis.weighted, winner, ranking, distribution, grades, values)

    def _steps(self, histogram: Sequence[Fraction]) -> tuple[MedianStep, ...]:
        """The majority value of one option as the steps where its pair of grades changes."""
        total = sum(histogram, ZERO)
        steps: list[MedianStep] = []
        previous: Pair | None = None
        for distance in median_breaks(histogram):
            pair = median_pair(histogram, distance)
            if pair != previous:
                lower, upper = pair
                start = distance / total
                steps.append(MedianStep(start, self.grades[lower], self.grades[upper]))
                previous = pair
        return tuple(steps)
