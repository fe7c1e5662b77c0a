"""Single choice: one option per ballot; counts, shares of cast ballots, winner, ranking."""

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
    TieGroups,
    check_options,
    ranking_json,
    share,
    sole_winner,
    tie_groups,
)


@dataclass(frozen=True, slots=True)
class ChoiceDetail:
    """Votes and shares per option in one view (single or multiple choice).

    ``votes`` are ballots in a headcount view and weighted masses in the weighted view (where
    they equal the shares). ``shares`` are of cast ballots: valid ones, plus blank ones when
    blank counts as cast; with multiple choice they need not sum to 1.
    """

    weighted: bool
    winner: str | None
    ranking: TieGroups
    votes: Mapping[str, Fraction]
    shares: Mapping[str, Fraction]
    blank_share: Fraction | None

    def to_json(self) -> dict[str, Any]:
        """``winner``, ``ranking``, ``counts`` (headcount views only), ``shares``."""
        out: dict[str, Any] = {"winner": self.winner, "ranking": ranking_json(self.ranking)}
        if not self.weighted:
            out["counts"] = {option: int(votes) for option, votes in self.votes.items()}
        out["shares"] = {option: str(value) for option, value in self.shares.items()}
        out["blank_share"] = None if self.blank_share is None else str(self.blank_share)
        return out


def choice_detail(
    options: Sequence[str], mass: Mapping[str, Fraction], basis: Basis
) -> ChoiceDetail:
    """Rank options by votes (most first); the winner is the option alone at the top."""
    votes = {option: mass.get(option, ZERO) for option in options}
    shares = {option: share(value, basis.cast) for option, value in votes.items()}
    ranking = tie_groups(options, lambda option: -votes[option])
    winner = sole_winner(ranking, basis.valid)
    return ChoiceDetail(basis.weighted, winner, ranking, votes, shares, basis.blank_share)


class SingleChoiceTally(Accumulator[str, ChoiceDetail]):
    """Single-choice question; an answer is one option key."""

    method = Method.SINGLE

    def __init__(self, options: Sequence[str]) -> None:
        super().__init__()
        self.options = check_options(options)
        self._known = frozenset(self.options)

    def _keys(self, answer: object) -> tuple[str, ...] | None:
        if isinstance(answer, str) and answer in self._known:
            return (answer,)
        return None

    def _analyse(self, mass: Mapping[str, Fraction], basis: Basis) -> ChoiceDetail:
        return choice_detail(self.options, mass, basis)
