"""Quorum, majority thresholds, small-collège privacy and free text."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import pytest

from bot.polls.tally import (
    ABSOLUTE_MAJORITY,
    TWO_THIRDS,
    FreeTextTally,
    QuorumBasis,
    SingleChoiceTally,
    TallyError,
    Threshold,
    Turnout,
    check_quorum,
    majority_met,
    participation,
    shuffled_texts,
    visible_breakdown,
    winner_share,
)
from tests.unit.tally.tally_helpers import feed, rules

F = Fraction


def test_thresholds_are_explicit_about_equality() -> None:
    assert not ABSOLUTE_MAJORITY.met_by(F(1, 2)) and ABSOLUTE_MAJORITY.met_by(F(51, 100))
    assert TWO_THIRDS.met_by(F(2, 3)) and not TWO_THIRDS.met_by(F(66, 100))
    assert Threshold.at_least(F(1, 2)).met_by(F(1, 2))
    with pytest.raises(TallyError):
        Threshold.more_than(F(3, 2))


def test_participation_and_quorum_bases() -> None:
    turnout = participation(
        {"salaries": 10, "usagers": 100, "collectivites": 2},
        {"salaries": 8, "usagers": 30, "collectivites": 2},
    )
    assert (turnout.eligible, turnout.voted, turnout.rate) == (112, 40, F(5, 14))
    assert turnout.colleges["usagers"].rate == F(3, 10)
    assert turnout.to_json()["colleges"]["salaries"] == {"eligible": 10, "voted": 8, "rate": "4/5"}
    half = Threshold.at_least(F(1, 2))
    assert not check_quorum(turnout, half).met
    each = check_quorum(turnout, Threshold.at_least(F(3, 10)), QuorumBasis.EACH_COLLEGE)
    assert each.met and each.value == F(3, 10)
    weights = {"salaries": F(2, 5), "usagers": F(2, 5), "collectivites": F(1, 5)}
    weighted = check_quorum(turnout, half, QuorumBasis.WEIGHTED, weights)
    # 2/5·4/5 + 2/5·3/10 + 1/5·1 = 16/50 + 6/50 + 10/50 = 16/25
    assert weighted.value == F(16, 25) and weighted.met
    with pytest.raises(TallyError, match="weight"):
        check_quorum(turnout, half, QuorumBasis.WEIGHTED)
    with pytest.raises(TallyError):
        participation({"a": 1}, {"a": 2})


def test_majority_on_the_weighted_winner_share() -> None:
    rows = [("salaries", "A", 2), ("salaries", "B", 1), ("usagers", "A", 1), ("usagers", "B", 4)]
    rows.append(("collectivites", "A", 1))
    result = feed(SingleChoiceTally(["A", "B"]), rows).finish(rules())
    assert winner_share(result) == F(41, 75)
    assert majority_met(winner_share(result), ABSOLUTE_MAJORITY)
    assert not majority_met(winner_share(result), TWO_THIRDS)
    assert not majority_met(None, ABSOLUTE_MAJORITY)


@dataclass(frozen=True)
class Part:
    turnout: Turnout


def part(ballots: int) -> Part:
    return Part(Turnout(ballots, 0, 0))


def test_visible_breakdown_hides_small_colleges() -> None:
    shown = visible_breakdown({"a": part(10), "b": part(7), "c": part(6)}, k=5)
    assert set(shown.shown) == {"a", "b", "c"} and shown.hidden == ()
    # "c" alone (2 ballots) could be recovered by subtraction: the smallest other one goes too.
    hidden = visible_breakdown({"a": part(10), "b": part(7), "c": part(2)}, k=5)
    assert set(hidden.shown) == {"a"} and hidden.hidden == ("b", "c")
    # Two small collèges that together reach k protect each other.
    pair = visible_breakdown({"a": part(10), "b": part(3), "c": part(2)}, k=5)
    assert set(pair.shown) == {"a"} and pair.hidden == ("b", "c")
    # A collège without ballots reveals nothing.
    empty = visible_breakdown({"a": part(10), "b": part(0)}, k=5)
    assert set(empty.shown) == {"a", "b"}


def test_free_text_is_listed_not_counted() -> None:
    tally = FreeTextTally(max_length=20)
    for college, answer, count in [
        ("usagers", "  Plus de bancs  ", 1),
        ("salaries", "Horaires", 2),
        (None, "   ", 1),
        (None, None, 1),
        (None, 3, 1),
        (None, "x" * 21, 1),
    ]:
        tally.add(college, answer, count)
    result = tally.finish()
    assert result.texts == ("Plus de bancs", "Horaires", "Horaires")
    assert (result.blank, result.invalid) == (2, 2)
    mixed = result.shuffled(random.Random(7))
    assert sorted(mixed) == sorted(result.texts)
    assert shuffled_texts(result.texts, random.Random(7)) == mixed
    assert result.to_json()["answered"] == 3
