"""Counting rules taken from the statutes, and how collège weights apply to one tally."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class TallyError(ValueError):
    """A tally was given inconsistent input (bad rules, unknown collège, bad count)."""


class EmptyCollege(StrEnum):
    """What happens to the weight of a collège that has no valid ballot."""

    REDISTRIBUTE = "redistribute"
    FLAG = "flag"


class WeightingOutcome(StrEnum):
    """How collège weights were applied in one tally."""

    COMPLETE = "complete"
    REDISTRIBUTED = "redistributed"
    WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class CountingRules:
    """Statutes settings a tally needs: collège weights, empty-collège rule, blank ballots.

    ``colleges`` maps each collège key to its weight; weights are positive and sum to exactly 1.
    An empty mapping means the poll is not weighted (headcount only). The SCIC-specific limits
    (at least 3 collèges, each between 10 % and 50 %) belong to the statutes, not to counting.
    """

    colleges: Mapping[str, Fraction] = field(default_factory=dict)
    empty_college: EmptyCollege = EmptyCollege.REDISTRIBUTE
    blank_counts_as_cast: bool = False

    def __post_init__(self) -> None:
        weights: dict[str, Fraction] = {}
        for key, weight in self.colleges.items():
            if not isinstance(key, str) or not key:
                raise TallyError(f"collège keys must be non-empty strings, got {key!r}")
            if isinstance(weight, bool) or not isinstance(weight, Fraction | int):
                raise TallyError(f"weight of collège {key!r} must be a Fraction, got {weight!r}")
            if weight <= 0:
                raise TallyError(f"weight of collège {key!r} must be positive, got {weight}")
            weights[key] = Fraction(weight)
        total = sum(weights.values(), Fraction(0))
        if weights and total != 1:
            raise TallyError(f"collège weights must sum to 1, they sum to {total}")
        object.__setattr__(self, "colleges", weights)
        object.__setattr__(self, "empty_college", EmptyCollege(self.empty_college))

    @property
    def weighted(self) -> bool:
        """Whether results are weighted by collège."""
        return bool(self.colleges)


@dataclass(frozen=True, slots=True)
class Weighting:
    """Collège weights as applied to one tally: statutes weights, effective weights, outcome.

    ``effective_weights`` is None when the weighted result is withheld (``flag`` is then true):
    either the rule is ``flag`` and some collège had no valid ballot, or no collège had any.
    """

    rule: EmptyCollege
    weights: Mapping[str, Fraction]
    effective_weights: Mapping[str, Fraction] | None
    empty_colleges: tuple[str, ...]
    outcome: WeightingOutcome

    @property
    def flag(self) -> bool:
        """Whether the weighted result was withheld."""
        return self.outcome is WeightingOutcome.WITHHELD

    def to_json(self) -> dict[str, Any]:
        """The recount-format description of the weighting (fractions as strings)."""
        effective = self.effective_weights
        return {
            "empty_college": str(self.rule),
            "outcome": str(self.outcome),
            "flag": self.flag,
            "empty_colleges": list(self.empty_colleges),
            "weights": {key: str(w) for key, w in self.weights.items()},
            "effective_weights": (
                None if effective is None else {key: str(w) for key, w in effective.items()}
            ),
        }


def apply_weights(rules: CountingRules, counted: Mapping[str, int]) -> Weighting:
    """Resolve effective weights from the number of ballots that count in each collège.

    ``counted[c]`` is n_c: valid non-blank ballots, plus blank ones when blank counts as cast.
    A collège with n_c = 0 is empty; its weight is redistributed proportionally to the other
    collèges' weights, or the weighted result is withheld, as the rules say.
    """
    weights = {key: rules.colleges[key] for key in sorted(rules.colleges)}
    empty = tuple(key for key in weights if counted.get(key, 0) == 0)
    if not empty:
        return Weighting(
            rules.empty_college, weights, dict(weights), (), WeightingOutcome.COMPLETE
        )
    present = sum((w for key, w in weights.items() if key not in empty), Fraction(0))
    if rules.empty_college is EmptyCollege.FLAG or present == 0:
        return Weighting(rules.empty_college, weights, None, empty, WeightingOutcome.WITHHELD)
    effective = {key: Fraction(0) if key in empty else w / present for key, w in weights.items()}
    return Weighting(
        rules.empty_college, weights, effective, empty, WeightingOutcome.REDISTRIBUTED
    )
