"""The result of a tally: headcount, weighted and per-collège views side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.polls.tally.common import Detail, Method, RankingRule, TieGroups, Turnout, ranking_json
from bot.polls.tally.rules import Weighting

D = TypeVar("D", bound=Detail)


@dataclass(frozen=True, slots=True)
class CollegeResult(Generic[D]):
    """One collège's own breakdown: its turnout and its headcount detail."""

    turnout: Turnout
    detail: D

    def to_json(self) -> dict[str, Any]:
        """Turnout counts followed by the method's detail."""
        return {**self.turnout.to_json(), **self.detail.to_json()}


@dataclass(frozen=True, slots=True)
class TallyResult(Generic[D]):
    """Everything a tally found, for one question.

    ``headcount`` counts one ballot as one vote; ``weighted`` (only with collèges) counts a
    ballot of collège c as w_c / n_c and is None when withheld (see ``weighting.flag``).
    ``winner`` and ``ranking`` are the weighted ones when the rules have collèges.
    Build it through an accumulator's ``finish``; do not construct ``TallyResult[X](...)``.
    """

    method: Method
    rule: RankingRule | None
    blank_counts_as_cast: bool
    turnout: Turnout
    headcount: D
    by_college: Mapping[str, CollegeResult[D]]
    weighting: Weighting | None
    weighted: D | None

    @property
    def decisive(self) -> D | None:
        """The view that decides: weighted with collèges (None if withheld), else headcount."""
        if self.weighting is None:
            return self.headcount
        return self.weighted

    @property
    def winner(self) -> str | None:
        """The winner of the deciding view, or None (tie, no ballot, or withheld)."""
        decisive = self.decisive
        return None if decisive is None else decisive.winner

    @property
    def ranking(self) -> TieGroups | None:
        """The ranking of the deciding view, or None when the weighted result is withheld."""
        decisive = self.decisive
        return None if decisive is None else decisive.ranking

    def to_json(self) -> dict[str, Any]:
        """The recount output format (see docs/recount.md)."""
        out: dict[str, Any] = {"method": str(self.method)}
        if self.rule is not None:
            out["rule"] = str(self.rule)
        out["blank_counts_as_cast"] = self.blank_counts_as_cast
        out.update(self.turnout.to_json())
        ranking = self.ranking
        out["winner"] = self.winner
        out["ranking"] = None if ranking is None else ranking_json(ranking)
        out["headcount"] = self.headcount.to_json()
        if self.weighting is None:
            out["weighted"] = None
        else:
            weighted = self.weighting.to_json()
            if self.weighted is None:
                weighted.update(winner=None, ranking=None)
            else:
                weighted.update(self.weighted.to_json())
            out["weighted"] = weighted
        out["by_college"] = {key: part.to_json() for key, part in self.by_college.items()}
        return out
