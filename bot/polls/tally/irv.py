"""Ranking counted by instant runoff (IRV), with backwards tie-breaking.

The aggregate is a counter of distinct rankings. Each round, a ballot counts for its best
continuing option; a ballot with none left is exhausted. An option with more than half of the
active (non-exhausted) mass wins. Otherwise the option with the least mass is eliminated; a
tie for elimination is broken backwards (among the tied options, the one with less mass in the
most recent earlier round where they differ goes; with three or more, repeat among those at
the minimum). If that does not separate them, the count stops on an unresolved tie and there
is no winner. Options with no mass at all are eliminated together: the order among them
cannot matter since no ballot transfers from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bot.polls.tally.accumulator import Accumulator
from bot.polls.tally.common import (
    ZERO,
    Basis,
    Method,
    RankingRule,
    TieGroups,
    check_options,
    mass_json,
    parse_ranking,
    ranking_json,
    tie_groups,
)

Ranked = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunoffRound:
    """One round: mass per continuing option, active and exhausted mass, who was eliminated.

    ``tie_break_round`` is the 1-based earlier round that broke a tie for elimination.
    """

    counts: Mapping[str, Fraction]
    active: Fraction
    exhausted: Fraction
    eliminated: tuple[str, ...]
    tie_break_round: int | None

    def to_json(self, *, weighted: bool) -> dict[str, Any]:
        """The round as a JSON object."""
        return {
            "counts": {
                key: mass_json(value, weighted=weighted) for key, value in self.counts.items()
            },
            "active": mass_json(self.active, weighted=weighted),
            "exhausted": mass_json(self.exhausted, weighted=weighted),
            "eliminated": list(self.eliminated),
            "tie_break_round": self.tie_break_round,
        }


@dataclass(frozen=True, slots=True)
class RunoffDetail:
    """The rounds of an instant-runoff count and its outcome for one view.

    The ranking puts the winner first, then the other options still in the count by their
    last-round mass, then eliminated options, last eliminated first. Without a winner, every
    option still in the count shares the first group. ``unresolved_tie`` lists the options
    whose tie for elimination could not be broken (empty otherwise).
    """

    weighted: bool
    winner: str | None
    ranking: TieGroups
    rounds: tuple[RunoffRound, ...]
    unresolved_tie: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """``winner``, ``ranking``, ``rounds`` and ``unresolved_tie``."""
        return {
            "winner": self.winner,
            "ranking": ranking_json(self.ranking),
            "rounds": [one.to_json(weighted=self.weighted) for one in self.rounds],
            "unresolved_tie": list(self.unresolved_tie),
        }


def _break_backwards(
    tied: Sequence[str], history: Sequence[Mapping[str, Fraction]]
) -> tuple[tuple[str, ...], int | None]:
    """Narrow a tie for elimination using earlier rounds, most recent first."""
    candidates = tuple(tied)
    decided_in: int | None = None
    for index in range(len(history) - 2, -1, -1):
        counts = history[index]
        values = {counts[option] for option in candidates}
        if len(values) > 1:
            lowest = min(values)
            candidates = tuple(option for option in candidates if counts[option] == lowest)
            decided_in = index + 1
            if len(candidates) == 1:
                break
    return candidates, decided_in


def instant_runoff(
    options: Sequence[str], mass: Mapping[Ranked, Fraction], weighted: bool
) -> RunoffDetail:
    """Run the rounds on a counter of distinct rankings (masses may be fractions)."""
    continuing = list(options)
    rounds: list[RunoffRound] = []
    history: list[dict[str, Fraction]] = []
    eliminated_groups: list[tuple[str, ...]] = []
    winner: str | None = None
    unresolved: tuple[str, ...] = ()
    while True:
        remaining = set(continuing)
        counts = {option: ZERO for option in continuing}
        exhausted = ZERO
        for ranked, value in mass.items():
            top = next((option for option in ranked if option in remaining), None)
            if top is None:
                exhausted += value
            else:
                counts[top] += value
        history.append(counts)
        active = sum(counts.values(), ZERO)
        leaders = [option for option in continuing if 2 * counts[option] > active]
        if active == 0 or leaders:
            winner = leaders[0] if leaders else None
            rounds.append(RunoffRound(counts, active, exhausted, (), None))
            break
        lowest = min(counts.values())
        tied = tuple(option for option in continuing if counts[option] == lowest)
        tie_break: int | None = None
        if len(tied) > 1 and lowest > 0:
            tied, tie_break = _break_backwards(tied, history)
            if len(tied) > 1:
                unresolved = tied
                rounds.append(RunoffRound(counts, active, exhausted, (), tie_break))
                break
        rounds.append(RunoffRound(counts, active, exhausted, tied, tie_break))
        eliminated_groups.append(tied)
        continuing = [option for option in continuing if option not in tied]
    last = history[-1]
    if winner is None:
        head: TieGroups = (tuple(continuing),)
    else:
        others = [option for option in continuing if option != winner]
        head = ((winner,), *tie_groups(others, lambda option: -last[option]))
    ranking = head + tuple(reversed(eliminated_groups))
    return RunoffDetail(weighted, winner, ranking, tuple(rounds), unresolved)


class InstantRunoffTally(Accumulator[Ranked, RunoffDetail]):
    """Ranking question counted by instant runoff; an answer is a list of keys, best first."""

    method = Method.RANKING
    rule = RankingRule.IRV

    def __init__(self, options: Sequence[str]) -> None:
        super().__init__()
        self.options = check_options(options)
        self._known = frozenset(self.options)

    def _keys(self, answer: object) -> tuple[Ranked, ...] | None:
        ranked = parse_ranking(answer, self._known)
        return None if ranked is None else (ranked,)

    def _analyse(self, mass: Mapping[Ranked, Fraction], basis: Basis) -> RunoffDetail:
        return instant_runoff(self.options, mass, basis.weighted)
