"""Ranking: Schulze (winning votes) and instant runoff, published examples and properties."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.polls.tally import InstantRunoffTally, SchulzeTally
from tests.unit.tally.tally_helpers import (
    COLLEGES,
    OPTIONS,
    equal_rules,
    expand,
    feed,
    rankings,
    replicate,
    rules,
)

F = Fraction

# Markus Schulze, "A new monotonic, clone-independent, reversal symmetric, and
# Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011),
# example 1 (also Wikipedia, "Schulze method", Example). 45 voters, 5 candidates.
SCHULZE_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]
SCHULZE_45_D = {
    "A": {"B": 20, "C": 26, "D": 30, "E": 22},
    "B": {"A": 25, "C": 16, "D": 33, "E": 18},
    "C": {"A": 19, "B": 29, "D": 17, "E": 24},
    "D": {"A": 15, "B": 12, "C": 28, "E": 14},
    "E": {"A": 23, "B": 27, "C": 21, "D": 31},
}
SCHULZE_45_P = {
    "A": {"B": 28, "C": 28, "D": 30, "E": 24},
    "B": {"A": 25, "C": 28, "D": 33, "E": 24},
    "C": {"A": 25, "B": 29, "D": 29, "E": 24},
    "D": {"A": 25, "B": 28, "C": 28, "E": 24},
    "E": {"A": 25, "B": 28, "C": 28, "D": 31},
}

# Wikipedia, "Instant-runoff voting" and "Condorcet method": the Tennessee capital example.
# Memphis 42 %, Nashville 26 %, Chattanooga 15 %, Knoxville 17 %; everyone ranks by distance.
TENNESSEE = [
    (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
    (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
    (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
    (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
]
CITIES = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]


def schulze(rows: Any, rule: Any = None, options: Any = OPTIONS) -> Any:
    return feed(SchulzeTally(options), rows).finish(rule)


def irv(rows: Any, rule: Any = None, options: Any = OPTIONS) -> Any:
    return feed(InstantRunoffTally(options), rows).finish(rule)


def test_schulze_paper_example() -> None:
    result = schulze(expand([(n, list(order)) for n, order in SCHULZE_45]), options=list("ABCDE"))
    out = result.to_json()
    assert out["headcount"]["pairwise"] == SCHULZE_45_D
    assert out["headcount"]["strongest_paths"] == SCHULZE_45_P
    assert result.winner == "E"
    assert out["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"]]


def test_tennessee_schulze_elects_the_condorcet_winner() -> None:
    result = schulze(expand(TENNESSEE), options=CITIES)
    assert result.winner == "Nashville"
    assert result.ranking == (("Nashville",), ("Chattanooga",), ("Knoxville",), ("Memphis",))


def test_tennessee_instant_runoff_elects_knoxville() -> None:
    result = irv(expand(TENNESSEE), options=CITIES)
    rounds = result.to_json()["headcount"]["rounds"]
    assert rounds[0]["counts"] == {
        "Memphis": 42,
        "Nashville": 26,
        "Chattanooga": 15,
        "Knoxville": 17,
    }
    assert rounds[0]["eliminated"] == ["Chattanooga"]
    assert rounds[1]["counts"] == {"Memphis": 42, "Nashville": 26, "Knoxville": 32}
    assert rounds[1]["eliminated"] == ["Nashville"]
    assert rounds[2]["counts"] == {"Memphis": 42, "Knoxville": 58}
    assert result.winner == "Knoxville"
    assert result.ranking == (("Knoxville",), ("Memphis",), ("Nashville",), ("Chattanooga",))


def test_unranked_options_are_tied_below_ranked_ones() -> None:
    out = schulze([(None, ["A"], 1)], options=list("ABC")).to_json()["headcount"]
    assert out["pairwise"]["A"] == {"B": 1, "C": 1}
    assert out["pairwise"]["B"] == {"A": 0, "C": 0}
    assert out["ranking"] == [["A"], ["B", "C"]]


def test_schulze_tie_and_void_ballots() -> None:
    rows: list[Any] = [(None, ["A", "B"], 1), (None, ["B", "A"], 1)]
    rows += [(None, [], 1), (None, ["A", "A"], 1), (None, ["Z"], 1), (None, "A", 1)]
    result = schulze(rows, options=list("AB"))
    assert result.turnout.invalid == 4
    assert result.winner is None and result.ranking == (("A", "B"),)


def test_schulze_weighted_matrix_uses_fractions() -> None:
    rows = [("salaries", ["A", "B"], 2), ("usagers", ["B", "A"], 1), ("collectivites", ["B"], 1)]
    out = schulze(rows, rules(), options=list("AB")).to_json()["weighted"]
    # d[A][B] = 2/5·1 (salariés) ; d[B][A] = 2/5·1 + 1/5·1
    assert out["pairwise"] == {"A": {"B": "2/5"}, "B": {"A": "3/5"}}
    assert out["winner"] == "B"


def test_irv_backwards_tie_break() -> None:
    rows = expand([(7, ["A"]), (5, ["B"]), (4, ["C", "B"]), (1, ["D", "C", "B"]), (1, ["D", "A"])])
    result = irv(rows)
    rounds = result.headcount.rounds
    # Round 2: A 8, B 5, C 5 -> B and C tied; in round 1 C had fewer (4 < 5), so C goes.
    assert rounds[1].counts == {"A": 8, "B": 5, "C": 5}
    assert rounds[1].eliminated == ("C",) and rounds[1].tie_break_round == 1
    assert rounds[2].counts == {"A": 8, "B": 10}
    assert result.winner == "B"


def test_irv_unresolved_tie_stops_without_winner() -> None:
    result = irv(expand([(2, ["A"]), (2, ["B"]), (1, ["C"])]), options=list("ABC"))
    rounds = result.headcount.rounds
    assert rounds[1].counts == {"A": 2, "B": 2} and rounds[1].exhausted == 1
    assert result.winner is None
    assert result.headcount.unresolved_tie == ("A", "B")
    assert result.ranking == (("A", "B"), ("C",))


def test_irv_final_tie_is_also_broken_backwards() -> None:
    # Round 2 is A 3, B 3; in round 1 B had fewer (2 < 3), so B is eliminated and A wins.
    result = irv(expand([(3, ["A"]), (2, ["B"]), (1, ["C", "B"])]), options=list("ABC"))
    assert result.headcount.rounds[1].tie_break_round == 1
    assert result.winner == "A"


def test_irv_eliminates_options_without_votes_together() -> None:
    result = irv(expand([(4, ["A"]), (3, ["B"]), (2, ["C", "B"])]), options=list("ABCDE"))
    rounds = result.headcount.rounds
    assert rounds[0].eliminated == ("D", "E") and rounds[0].tie_break_round is None
    assert result.winner == "B"
    assert result.ranking == (("B",), ("A",), ("C",), ("D", "E"))


def test_irv_majority_is_of_active_ballots() -> None:
    # Round 1: A 3 of 6 is not a majority. Round 2: A 3, B 2 active, C's ballot exhausted:
    # 3 > 5/2, A wins.
    result = irv(expand([(3, ["A"]), (2, ["B"]), (1, ["C"])]), options=list("ABC"))
    last = result.headcount.rounds[-1]
    assert (last.active, last.exhausted) == (5, 1)
    assert result.winner == "A"


# --- properties ---------------------------------------------------------------------------

PROFILE = st.lists(st.tuples(st.integers(1, 5), rankings()), min_size=1, max_size=8)
COLLEGE_PROFILE = st.lists(
    st.tuples(st.sampled_from(COLLEGES), rankings(), st.integers(1, 4)), min_size=1, max_size=10
)


def pairwise(profile: list[tuple[int, list[str]]]) -> dict[tuple[str, str], int]:
    """Reference pairwise counts, unranked options tied last."""
    d = {(x, y): 0 for x in OPTIONS for y in OPTIONS if x != y}
    for count, ranked in profile:
        position = {option: ranked.index(option) if option in ranked else 99 for option in OPTIONS}
        for x, y in d:
            if position[x] < position[y]:
                d[x, y] += count
    return d


@given(PROFILE, st.sampled_from(OPTIONS), st.integers(0, 3))
def test_a_condorcet_winner_wins_schulze(profile: Any, favourite: str, boost: int) -> None:
    total = sum(count for count, _ in profile)
    if boost:  # make `favourite` a Condorcet winner by a block of ballots ranking it first
        profile = [*profile, (total + boost, [favourite])]
    d = pairwise(profile)
    winners = [x for x in OPTIONS if all(d[x, y] > d[y, x] for y in OPTIONS if y != x)]
    result = schulze(expand(profile))
    if winners:
        assert result.winner == winners[0]
    out = result.to_json()["headcount"]["pairwise"]
    assert all(out[x][y] == d[x, y] for x, y in d)


@given(PROFILE, st.sampled_from(OPTIONS))
def test_irv_first_round_majority_wins(profile: Any, favourite: str) -> None:
    total = sum(count for count, _ in profile)
    profile = [*profile, (total + 1, [favourite])]
    result = irv(expand(profile))
    assert result.winner == favourite and len(result.headcount.rounds) == 1


@given(COLLEGE_PROFILE, st.randoms(use_true_random=False))
def test_permuting_ballots_changes_nothing(rows: Any, rng: Any) -> None:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    for count in (schulze, irv):
        assert count(shuffled, equal_rules()).to_json() == count(rows, equal_rules()).to_json()


@given(COLLEGE_PROFILE)
def test_weighted_equals_the_replicated_integer_profile(rows: Any) -> None:
    for count in (schulze, irv):
        result = count(rows, rules(empty_college="redistribute"))
        assert result.weighted is not None
        replica = count(replicate(rows, result.weighting.effective_weights))
        assert result.weighted.ranking == replica.headcount.ranking
        assert result.weighted.winner == replica.headcount.winner


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(rankings(), min_size=n, max_size=n), min_size=3, max_size=3)
    )
)
def test_equal_weights_and_turnout_give_the_headcount(answers: list[list[list[str]]]) -> None:
    rows = [(college, a, 1) for college, per in zip(COLLEGES, answers, strict=True) for a in per]
    for count in (schulze, irv):
        result = count(rows, equal_rules())
        assert result.weighted.ranking == result.headcount.ranking
        assert result.weighted.winner == result.headcount.winner
