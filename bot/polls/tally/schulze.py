"""Ranking counted by the Schulze method, with winning-votes strength.

The aggregate is the pairwise matrix d[x][y]: the mass of ballots ranking x above y. A ballot
ranks its listed options in order and ties every unlisted option below all listed ones (so
it says nothing between two unlisted options). Weighted, d holds fractional masses and
winning votes still compares d[x][y] > d[y][x].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, product
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
    sole_winner,
)

Pair = tuple[str, str]
Matrix = Mapping[str, Mapping[str, Fraction]]


@dataclass(frozen=True, slots=True)
class SchulzeDetail:
    """Pairwise preferences, strongest path strengths and the Schulze ranking of one view."""

    weighted: bool
    winner: str | None
    ranking: TieGroups
    pairwise: Matrix
    strongest_paths: Matrix

    def to_json(self) -> dict[str, Any]:
        """``winner``, ``ranking``, ``pairwise`` and ``strongest_paths`` as nested objects."""
        return {
            "winner": self.winner,
            "ranking": ranking_json(self.ranking),
            "pairwise": self._matrix_json(self.pairwise),
            "strongest_paths": self._matrix_json(self.strongest_paths),
        }

    def _matrix_json(self, matrix: Matrix) -> dict[str, dict[str, int | str]]:
        return {
            row: {col: mass_json(value, weighted=self.weighted) for col, value in cells.items()}
            for row, cells in matrix.items()
        }


def strongest_paths(options: Sequence[str], pairwise: Matrix) -> dict[str, dict[str, Fraction]]:
    """Widest-path strengths p[x][y] with winning votes (Floyd–Warshall, as in Schulze's paper)."""
    paths: dict[str, dict[str, Fraction]] = {
        x: {y: pairwise[x][y] if pairwise[x][y] > pairwise[y][x] else ZERO for y in pairwise[x]}
        for x in options
    }
    for via in options:
        for start in options:
            if start == via:
                continue
            for end in options:
                if end in (start, via):
                    continue
                through = min(paths[start][via], paths[via][end])
                if through > paths[start][end]:
                    paths[start][end] = through
    return paths


def schulze_ranking(options: Sequence[str], paths: Matrix) -> TieGroups:
    """Tie groups: repeatedly, the remaining options that no remaining option beats.

    x beats y when p[x][y] > p[y][x]; Schulze proves this relation transitive, so each round
    has at least one unbeaten option.
    """
    remaining = list(options)
    groups: list[tuple[str, ...]] = []
    while remaining:
        top = tuple(
            x for x in remaining if not any(paths[y][x] > paths[x][y] for y in remaining if y != x)
        )
        groups.append(top)
        remaining = [x for x in remaining if x not in top]
    return tuple(groups)


class SchulzeTally(Accumulator[Pair, SchulzeDetail]):
    """Ranking question counted by Schulze; an answer is a list of option keys, best first."""

    method = Method.RANKING
    rule = RankingRule.SCHULZE

    def __init__(self, options: Sequence[str]) -> None:
        super().__init__()
        self.options = check_options(options)
        self._known = frozenset(self.options)

    def _keys(self, answer: object) -> tuple[Pair, ...] | None:
        ranked = parse_ranking(answer, self._known)
        if ranked is None:
            return None
        pairs: list[Pair] = list(combinations(ranked, 2))
        if len(ranked) < len(self.options):
            placed = set(ranked)
            unranked = [option for option in self.options if option not in placed]
            pairs.extend(product(ranked, unranked))
        return tuple(pairs)

    def _analyse(self, mass: Mapping[Pair, Fraction], basis: Basis) -> SchulzeDetail:
        pairwise = {
            x: {y: mass.get((x, y), ZERO) for y in self.options if y != x} for x in self.options
        }
        paths = strongest_paths(self.options, pairwise)
        ranking = schulze_ranking(self.options, paths)
        winner = sole_winner(ranking, basis.valid)
        return SchulzeDetail(basis.weighted, winner, ranking, pairwise, paths)
