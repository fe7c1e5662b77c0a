"""Majority judgment and scale questions: published examples, reference checks, properties."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.polls.tally import DEFAULT_GRADES, MajorityJudgmentTally, ScaleTally
from bot.polls.tally.scale import weighted_median
from tests.unit.tally.tally_helpers import (
    COLLEGES,
    FR,
    equal_rules,
    expand,
    feed,
    replicate,
    rules,
)

F = Fraction
EGFP = ["Excellent", "Good", "Fair", "Poor"]
CITIES = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
# Wikipedia, "Majority judgment", example "Voting on the location of Tennessee's capital"
# (after Balinski & Laraki): each voter grades the four cities Excellent, Good, Fair, Poor in
# their order of proximity. Majority grades: Memphis Poor, Nashville Good, Chattanooga Good,
# Knoxville Fair; Nashville beats Chattanooga on the tie-break, Nashville wins.
# (Bar widths checked against the electowiki copy of the example: Nashville 26/42/32,
# Chattanooga 15/43/42.)
TENNESSEE_ORDERS = [
    (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
    (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
    (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
    (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
]
TENNESSEE = [(n, dict(zip(order, EGFP, strict=True))) for n, order in TENNESSEE_ORDERS]


def judge(rows: Any, rule: Any = None, options: Any = CITIES, grades: Any = EGFP) -> Any:
    return feed(MajorityJudgmentTally(options, grades), rows).finish(rule)


def test_tennessee_majority_judgment() -> None:
    result = judge(expand(TENNESSEE))
    assert result.headcount.majority_grades == {
        "Memphis": "Poor",
        "Nashville": "Good",
        "Chattanooga": "Good",
        "Knoxville": "Fair",
    }
    assert result.winner == "Nashville"
    assert result.ranking == (("Nashville",), ("Chattanooga",), ("Knoxville",), ("Memphis",))
    values = result.to_json()["headcount"]["majority_values"]
    # Nashville keeps "Good" below the middle until 18/100 of the mass away from it,
    # Chattanooga only until 8/100: that decides between them.
    assert values["Nashville"][1] == {"start": "9/50", "lower": "Fair", "upper": "Good"}
    assert values["Chattanooga"][1] == {"start": "2/25", "lower": "Fair", "upper": "Good"}


def test_majority_judgment_is_not_condorcet() -> None:
    # Wikipedia, "Condorcet criterion", majority judgment example: 35 voters A Excellent,
    # B Fair, C Poor; 34: C Excellent, B Fair, A Poor; 31: B Excellent, C Good, A Fair.
    # B is the Condorcet winner but C (majority grade Good) wins majority judgment.
    rows = expand(
        [
            (35, {"A": "Excellent", "B": "Fair", "C": "Poor"}),
            (34, {"C": "Excellent", "B": "Fair", "A": "Poor"}),
            (31, {"B": "Excellent", "C": "Good", "A": "Fair"}),
        ]
    )
    result = judge(rows, options=["A", "B", "C"])
    assert result.headcount.majority_grades == {"A": "Fair", "B": "Fair", "C": "Good"}
    assert result.winner == "C"


def test_majority_grade_is_the_lower_middle_grade() -> None:
    result = judge([(None, {"A": "Excellent"}, 1), (None, {"A": "Good"}, 1)], options=["A"])
    assert result.headcount.majority_grades == {"A": "Good"}


def test_ungraded_is_worst_and_void_answers() -> None:
    rows = [
        (None, {}, 1),  # valid: every option gets the worst grade
        (None, {"A": "Très bien"}, 1),
        (None, {"A": "Génial"}, 1),  # unknown grade: void
        (None, {"Z": "Bien"}, 1),  # unknown option: void
        (None, ["A"], 1),  # not an object: void
    ]
    result = feed(MajorityJudgmentTally(["A", "B"]), rows).finish()
    assert result.turnout.valid == 2 and result.turnout.invalid == 3
    assert result.headcount.distribution["B"]["À rejeter"] == 2
    assert result.headcount.majority_grades == {"A": "À rejeter", "B": "À rejeter"}
    assert result.ranking == (("A",), ("B",))  # A's better side ("Très bien") decides
    assert tuple(DEFAULT_GRADES) == FR


def bl_majority_value(grades: list[int]) -> list[int]:
    """Balinski & Laraki by the letter: take the lower median out, again and again."""
    remaining = sorted(grades)
    sequence = []
    while remaining:
        sequence.append(remaining.pop(len(remaining) // 2))
    return sequence


GRADED = st.lists(
    st.tuples(st.dictionaries(st.sampled_from("ABC"), st.sampled_from(EGFP)), st.integers(1, 3)),
    min_size=1,
    max_size=10,
)


@given(GRADED)
def test_order_matches_balinski_laraki_removal(profile: Any) -> None:
    result = judge([(None, answer, n) for answer, n in profile], options=list("ABC"))
    position = {o: i for i, group in enumerate(result.ranking) for o in group}
    values = {
        option: bl_majority_value(
            [EGFP.index(answer.get(option, "Poor")) for answer, n in profile for _ in range(n)]
        )
        for option in "ABC"
    }
    for x in "ABC":
        for y in "ABC":
            assert (values[x] < values[y]) == (position[x] < position[y])


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2), st.integers(1, 3), st.sampled_from(COLLEGES), st.integers(1, 3)
        ),
        min_size=1,
        max_size=10,
    )
)
def test_better_grade_from_everyone_ranks_higher(ballots: Any) -> None:
    # Every voter gives X a strictly better grade than Y (index 0 is the best).
    rows = [
        (college, {"X": EGFP[gx], "Y": EGFP[min(3, gx + gap)]}, n)
        for gx, gap, college, n in ballots
    ]
    result = judge(rows, equal_rules(), options=["X", "Y"])
    assert result.headcount.ranking == (("X",), ("Y",))
    if result.weighted is not None:
        assert result.weighted.ranking == (("X",), ("Y",))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(COLLEGES),
            st.dictionaries(st.sampled_from("ABC"), st.sampled_from(EGFP)),
            st.integers(1, 3),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_weighted_equals_the_replicated_integer_profile(rows: Any) -> None:
    result = judge(rows, rules(), options=list("ABC"))
    replica = judge(replicate(rows, result.weighting.effective_weights), options=list("ABC"))
    assert result.weighted.ranking == replica.headcount.ranking
    assert result.weighted.majority_grades == replica.headcount.majority_grades
    assert result.weighted.majority_values == replica.headcount.majority_values


@given(GRADED, st.randoms(use_true_random=False))
def test_judgment_permutation_invariance(profile: Any, rng: Any) -> None:
    rows = [(COLLEGES[i % 3], answer, n) for i, (answer, n) in enumerate(profile)]
    shuffled = list(rows)
    rng.shuffle(shuffled)
    a = judge(rows, rules(), options=list("ABC")).to_json()
    assert judge(shuffled, rules(), options=list("ABC")).to_json() == a


# --- scale ---------------------------------------------------------------------------------


def scale(rows: Any, rule: Any = None) -> Any:
    return feed(ScaleTally(1, 5), rows).finish(rule)


def test_scale_mean_median_distribution() -> None:
    result = scale([(None, 1, 1), (None, 2, 1), (None, 4, 1), (None, 5, 1), (None, None, 2)])
    out = result.to_json()["headcount"]
    assert out["mean"] == "3" and out["median"] == "3"  # even count: (2 + 4) / 2
    assert out["distribution"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 1}
    assert result.winner is None and result.to_json()["ranking"] == []
    odd = scale([(None, 1, 1), (None, 2, 1), (None, 5, 1)]).headcount
    assert (odd.mean, odd.median) == (F(8, 3), 2)


def test_scale_void_answers_and_empty() -> None:
    result = scale([(None, 0, 1), (None, 6, 1), (None, True, 1), (None, 2.0, 1), (None, "3", 1)])
    assert result.turnout.invalid == 5
    assert result.headcount.mean is None and result.headcount.median is None


def test_weighted_scale() -> None:
    # salariés 2/5: one 5; usagers 2/5: 1 and 3; collectivités 1/5: one 2.
    rows = [("salaries", 5, 1), ("usagers", 1, 1), ("usagers", 3, 1), ("collectivites", 2, 1)]
    weighted = scale(rows, rules()).weighted
    # masses: 5 -> 2/5, 1 -> 1/5, 3 -> 1/5, 2 -> 1/5; mean = (10 + 1 + 3 + 2) / 5 = 16/5
    assert weighted.mean == F(16, 5)
    # cumulative: 1 -> 1/5, 2 -> 2/5, 3 -> 3/5 > 1/2: median 3
    assert weighted.median == 3


def test_weighted_median_between_two_values() -> None:
    assert weighted_median({1: F(1, 2), 7: F(1, 2)}) == 4
    assert weighted_median({1: F(1, 3), 2: F(1, 6), 9: F(1, 2)}) == F(11, 2)
    assert weighted_median({}) is None


@given(st.lists(st.integers(1, 5), min_size=1, max_size=20))
def test_median_matches_the_textbook_definition(values: list[int]) -> None:
    ordered = sorted(values)
    n = len(ordered)
    expected = F(ordered[(n - 1) // 2] + ordered[n // 2], 2)
    assert scale([(None, v, 1) for v in values]).headcount.median == expected
