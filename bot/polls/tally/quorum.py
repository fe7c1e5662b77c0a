"""Quorum, majority and small-collège privacy checks, all pure and exact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Generic, Protocol, TypeVar

from bot.polls.tally.common import ZERO, Turnout, share
from bot.polls.tally.result import TallyResult
from bot.polls.tally.rules import TallyError
from bot.polls.tally.single import ChoiceDetail

DEFAULT_PRIVACY_THRESHOLD = 5
"""Default k: a collège breakdown with fewer ballots than this is not shown separately."""


class Comparison(StrEnum):
    """How a value is compared with a threshold."""

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A fraction to pass: strictly more than it, or at least it (e.g. > 1/2, >= 2/3)."""

    value: Fraction
    comparison: Comparison

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, Fraction | int):
            raise TallyError(f"threshold must be a Fraction, got {self.value!r}")
        if not 0 <= self.value <= 1:
            raise TallyError(f"threshold must be between 0 and 1, got {self.value}")
        object.__setattr__(self, "value", Fraction(self.value))
        object.__setattr__(self, "comparison", Comparison(self.comparison))

    @classmethod
    def more_than(cls, value: Fraction) -> Threshold:
        """Strictly more than ``value``."""
        return cls(value, Comparison.MORE_THAN)

    @classmethod
    def at_least(cls, value: Fraction) -> Threshold:
        """``value`` or more."""
        return cls(value, Comparison.AT_LEAST)

    def met_by(self, value: Fraction) -> bool:
        """Whether ``value`` passes the threshold."""
        if self.comparison is Comparison.MORE_THAN:
            return value > self.value
        return value >= self.value


ABSOLUTE_MAJORITY = Threshold.more_than(Fraction(1, 2))
"""More than half."""
TWO_THIRDS = Threshold.at_least(Fraction(2, 3))
"""At least two thirds."""


@dataclass(frozen=True, slots=True)
class CollegeParticipation:
    """Eligible members and ballots received in one collège."""

    eligible: int
    voted: int

    @property
    def rate(self) -> Fraction:
        """voted / eligible (0 when nobody is eligible)."""
        return share(Fraction(self.voted), Fraction(self.eligible))


@dataclass(frozen=True, slots=True)
class Participation:
    """Participation per collège and overall."""

    colleges: Mapping[str, CollegeParticipation]
    eligible: int
    voted: int

    @property
    def rate(self) -> Fraction:
        """Overall voted / eligible (0 when nobody is eligible)."""
        return share(Fraction(self.voted), Fraction(self.eligible))

    def to_json(self) -> dict[str, Any]:
        """Eligible, voted and rate (fraction string), overall and per collège."""

        def entry(eligible: int, voted: int, rate: Fraction) -> dict[str, Any]:
            return {"eligible": eligible, "voted": voted, "rate": str(rate)}

        return {
            **entry(self.eligible, self.voted, self.rate),
            "colleges": {
                key: entry(part.eligible, part.voted, part.rate)
                for key, part in self.colleges.items()
            },
        }


def participation(eligible: Mapping[str, int], voted: Mapping[str, int]) -> Participation:
    """Participation from eligible and voting member counts per collège."""
    unknown = set(voted) - set(eligible)
    if unknown:
        raise TallyError(f"votes from collèges with no eligible member: {sorted(unknown)}")
    colleges: dict[str, CollegeParticipation] = {}
    for key in sorted(eligible):
        part = CollegeParticipation(eligible[key], voted.get(key, 0))
        if part.eligible < 0 or not 0 <= part.voted <= part.eligible:
            raise TallyError(f"collège {key!r}: {part.voted} voted out of {part.eligible}")
        colleges[key] = part
    return Participation(
        colleges,
        sum(part.eligible for part in colleges.values()),
        sum(part.voted for part in colleges.values()),
    )


class QuorumBasis(StrEnum):
    """Which participation the quorum applies to."""

    OVERALL = "overall"
    EACH_COLLEGE = "each_college"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class QuorumCheck:
    """Outcome of a quorum check: the participation compared and whether it passed."""

    met: bool
    value: Fraction
    threshold: Threshold
    basis: QuorumBasis


def check_quorum(
    turnout: Participation,
    threshold: Threshold,
    basis: QuorumBasis = QuorumBasis.OVERALL,
    weights: Mapping[str, Fraction] | None = None,
) -> QuorumCheck:
    """Compare participation with the quorum: overall, in each collège (the lowest rate
    decides), or weighted by collège (sum of w_c times the collège's rate; needs weights)."""
    if basis is QuorumBasis.OVERALL:
        value = turnout.rate
    elif basis is QuorumBasis.EACH_COLLEGE:
        value = min((part.rate for part in turnout.colleges.values()), default=ZERO)
    else:
        if weights is None or set(weights) != set(turnout.colleges):
            raise TallyError("a weighted quorum needs one weight per collège")
        value = sum((weights[key] * part.rate for key, part in turnout.colleges.items()), ZERO)
    return QuorumCheck(threshold.met_by(value), value, threshold, basis)


def winner_share(result: TallyResult[ChoiceDetail]) -> Fraction | None:
    """Share of the winner in the deciding view (weighted with collèges), None without one."""
    decisive = result.decisive
    if decisive is None or decisive.winner is None:
        return None
    return decisive.shares[decisive.winner]


def majority_met(share_of_winner: Fraction | None, threshold: Threshold) -> bool:
    """Whether the winner's share passes the majority threshold (False without a winner)."""
    return share_of_winner is not None and threshold.met_by(share_of_winner)


class _HasTurnout(Protocol):
    @property
    def turnout(self) -> Turnout: ...


B = TypeVar("B", bound=_HasTurnout)


@dataclass(frozen=True, slots=True)
class Breakdown(Generic[B]):
    """Per-collège breakdowns that may be shown, and the collèges hidden for privacy."""

    shown: Mapping[str, B]
    hidden: tuple[str, ...]


def visible_breakdown(
    by_college: Mapping[str, B], k: int = DEFAULT_PRIVACY_THRESHOLD
) -> Breakdown[B]:
    """Hide the breakdown of collèges with fewer than ``k`` ballots (of any kind).

    Figures of hidden collèges could be recovered by subtracting the shown collèges from the
    headcount, so while the hidden collèges hold fewer than ``k`` ballots together, the
    smallest shown collège is hidden too (complementary suppression). Hidden collèges still
    count in the headcount and weighted results; only their separate figures go. A collège
    with no ballot reveals nothing and stays shown.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise TallyError(f"k must be a positive integer, got {k!r}")
    size = {key: part.turnout.ballots for key, part in by_college.items()}
    hidden = {key for key, ballots in size.items() if 0 < ballots < k}
    while hidden and sum(size[key] for key in hidden) < k:
        others = [key for key in size if key not in hidden and size[key] > 0]
        if not others:
            break
        hidden.add(min(others, key=lambda key: (size[key], key)))
    shown = {key: part for key, part in by_college.items() if key not in hidden}
    return Breakdown(shown, tuple(key for key in by_college if key in hidden))
