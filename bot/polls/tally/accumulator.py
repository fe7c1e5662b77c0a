"""The streaming accumulator every counting method builds on.

An accumulator receives ``(college, answer, count)`` items — ``count`` identical ballots, as a
SQL ``GROUP BY`` row or a recount JSON row gives them — and keeps, per collège, only the
ballot counts by kind and one aggregate: a counter of keys that each valid ballot increments
(options, ordered pairs, distinct rankings, (option, grade) cells, scale values). Every such
aggregate is linear in ballots, so the weighted view is the same aggregate combined across
collèges with factor w_c / n_c instead of 1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import ClassVar, Generic, TypeVar

from bot.polls.tally.common import ONE, ZERO, Basis, Detail, Method, RankingRule, Turnout
from bot.polls.tally.result import CollegeResult, TallyResult
from bot.polls.tally.rules import CountingRules, TallyError, apply_weights

K = TypeVar("K", bound=Hashable)
D = TypeVar("D", bound=Detail)


@dataclass(slots=True)
class _CollegeBox(Generic[K]):
    """Mutable per-collège aggregate (internal)."""

    valid: int = 0
    blank: int = 0
    invalid: int = 0
    counts: Counter[K] = field(default_factory=Counter)

    def turnout(self) -> Turnout:
        return Turnout(self.valid, self.blank, self.invalid)


class Accumulator(ABC, Generic[K, D]):
    """Streaming tally of one question: ``add`` ballots by collège, then ``finish(rules)``."""

    method: ClassVar[Method]
    rule: ClassVar[RankingRule | None] = None

    def __init__(self) -> None:
        self._boxes: dict[str | None, _CollegeBox[K]] = {}

    def add(self, college: str | None, answer: object, count: int = 1) -> None:
        """Count ``count`` identical ballots of ``college``; ``answer`` None is a blank ballot.

        An answer that does not fit the question (unknown option, too many selections, wrong
        type...) makes the ballots void: they are counted as invalid, never as votes.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TallyError(f"count must be a non-negative integer, got {count!r}")
        if college is not None and (not isinstance(college, str) or not college):
            raise TallyError(f"collège must be a non-empty string or None, got {college!r}")
        if count == 0:
            return
        box = self._boxes.get(college)
        if box is None:
            box = self._boxes[college] = _CollegeBox()
        if answer is None:
            box.blank += count
            return
        keys = self._keys(answer)
        if keys is None:
            box.invalid += count
            return
        box.valid += count
        if count == 1:
            box.counts.update(keys)  # counted in C: the hot path of ballot-by-ballot streams
        else:
            for key in keys:
                box.counts[key] += count

    def finish(self, rules: CountingRules | None = None) -> TallyResult[D]:
        """Combine the aggregates under the statutes' counting rules (pure; may be repeated)."""
        rules = CountingRules() if rules is None else rules
        self._check_colleges(rules)
        boxes = self._boxes
        cast = rules.blank_counts_as_cast
        turnout = Turnout(
            sum(box.valid for box in boxes.values()),
            sum(box.blank for box in boxes.values()),
            sum(box.invalid for box in boxes.values()),
        )
        headcount = self._view(((ONE, box) for box in boxes.values()), cast, weighted=False)
        keys = sorted({key for key in boxes if key is not None} | set(rules.colleges))
        by_college: dict[str, CollegeResult[D]] = {}
        for key in keys:
            box = boxes.get(key) or _CollegeBox()
            detail = self._view([(ONE, box)], cast, weighted=False)
            by_college[key] = CollegeResult(box.turnout(), detail)
        if not rules.weighted:
            return TallyResult(
                self.method, self.rule, cast, turnout, headcount, by_college, None, None
            )
        counted = {key: self._counted(boxes.get(key), cast) for key in rules.colleges}
        weighting = apply_weights(rules, counted)
        weighted: D | None = None
        effective = weighting.effective_weights
        if effective is not None:
            parts = [
                (effective[key] / counted[key], boxes[key]) for key in keys if counted[key] > 0
            ]
            weighted = self._view(parts, cast, weighted=True)
        return TallyResult(
            self.method, self.rule, cast, turnout, headcount, by_college, weighting, weighted
        )

    def _check_colleges(self, rules: CountingRules) -> None:
        if not rules.weighted:
            return
        for key in self._boxes:
            if key is None:
                raise TallyError("a weighted tally received ballots without a collège")
            if key not in rules.colleges:
                raise TallyError(f"ballots from collège {key!r}, which the statutes do not list")

    @staticmethod
    def _counted(box: _CollegeBox[K] | None, cast: bool) -> int:
        """n_c: the ballots that share the collège's weight."""
        if box is None:
            return 0
        return box.valid + box.blank if cast else box.valid

    def _view(
        self, parts: Iterable[tuple[Fraction, _CollegeBox[K]]], cast: bool, *, weighted: bool
    ) -> D:
        mass: dict[K, Fraction] = {}
        valid = blank = ZERO
        for factor, box in parts:
            valid += factor * box.valid
            blank += factor * box.blank
            for key, number in box.counts.items():
                mass[key] = mass.get(key, ZERO) + factor * number
        return self._analyse(mass, Basis(valid, blank, cast, weighted))

    @abstractmethod
    def _keys(self, answer: object) -> tuple[K, ...] | None:
        """The aggregate keys one ballot increments, or None when the answer is void."""

    @abstractmethod
    def _analyse(self, mass: Mapping[K, Fraction], basis: Basis) -> D:
        """The method's result for one view, from the combined aggregate."""
