"""Single and multiple choice: worked examples by hand, collège weighting, blanks, void ballots."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.polls.tally import (
    CountingRules,
    EmptyCollege,
    MultipleChoiceTally,
    SingleChoiceTally,
    TallyError,
    WeightingOutcome,
)
from tests.unit.tally.tally_helpers import (
    COLLEGES,
    OPTIONS,
    college_rows,
    equal_rules,
    feed,
    rules,
)

F = Fraction

# Worked by hand (the brief's example). Weights: salariés 2/5, usagers 2/5, collectivités 1/5.
# salariés 3 ballots (2 A, 1 B), usagers 5 (1 A, 4 B), collectivités 1 (A).
#   weighted A = 2/5·2/3 + 2/5·1/5 + 1/5·1 = 20/75 + 6/75 + 15/75 = 41/75
#   weighted B = 2/5·1/3 + 2/5·4/5 + 1/5·0 = 10/75 + 24/75        = 34/75
#   headcount A = 4/9, B = 5/9: the headcount and weighted winners differ.
WORKED = [
    ("salaries", "A", 2),
    ("salaries", "B", 1),
    ("usagers", "A", 1),
    ("usagers", "B", 4),
    ("collectivites", "A", 1),
]


def single(rows: Any, rule: CountingRules | None = None, options: Any = ("A", "B")) -> Any:
    return feed(SingleChoiceTally(options), rows).finish(rule)


def test_worked_weighted_example() -> None:
    result = single(WORKED, rules())
    out = result.to_json()
    assert out["headcount"]["shares"] == {"A": "4/9", "B": "5/9"}
    assert out["headcount"]["winner"] == "B"
    assert out["weighted"]["shares"] == {"A": "41/75", "B": "34/75"}
    assert out["weighted"]["outcome"] == "complete" and out["weighted"]["flag"] is False
    assert out["winner"] == "A" and out["ranking"] == [["A"], ["B"]]
    assert out["by_college"]["usagers"]["shares"] == {"A": "1/5", "B": "4/5"}
    assert out["by_college"]["salaries"]["counts"] == {"A": 2, "B": 1}
    assert (out["valid"], out["blank"], out["invalid"]) == (9, 0, 0)


def test_empty_college_redistributed() -> None:
    # collectivités cast nothing: its 1/5 goes to the others in proportion (2/5 : 2/5 -> 1/2 each).
    # A = 1/2·2/3 + 1/2·1/5 = 13/30, B = 1/2·1/3 + 1/2·4/5 = 17/30.
    rows = [row for row in WORKED if row[0] != "collectivites"]
    result = single(rows, rules())
    weighting = result.weighting
    assert weighting.outcome is WeightingOutcome.REDISTRIBUTED
    assert weighting.empty_colleges == ("collectivites",)
    assert dict(weighting.effective_weights) == {
        "collectivites": 0,
        "salaries": F(1, 2),
        "usagers": F(1, 2),
    }
    assert result.weighted.shares == {"A": F(13, 30), "B": F(17, 30)}
    assert result.winner == "B"
    assert result.to_json()["by_college"]["collectivites"]["valid"] == 0


def test_empty_college_flagged() -> None:
    rows = [row for row in WORKED if row[0] != "collectivites"]
    result = single(rows, rules(empty_college=EmptyCollege.FLAG))
    assert result.weighting.flag and result.weighted is None
    assert result.winner is None and result.ranking is None
    out = result.to_json()
    assert out["weighted"]["flag"] is True and out["weighted"]["effective_weights"] is None
    assert out["weighted"]["winner"] is None and out["winner"] is None
    assert out["headcount"]["winner"] == "B"


def test_no_ballot_at_all_withholds_even_when_redistributing() -> None:
    result = single([], rules())
    assert result.weighting.outcome is WeightingOutcome.WITHHELD
    assert result.headcount.winner is None and result.headcount.ranking == (("A", "B"),)


def test_blank_not_cast_by_default() -> None:
    rows = [(None, "A", 2), (None, "B", 1), (None, None, 1)]
    result = single(rows)
    assert result.turnout.blank == 1
    assert result.headcount.shares == {"A": F(2, 3), "B": F(1, 3)}
    assert result.headcount.blank_share is None


def test_blank_counts_as_cast() -> None:
    rows = [(None, "A", 2), (None, "B", 1), (None, None, 1)]
    result = single(rows, CountingRules(blank_counts_as_cast=True))
    assert result.headcount.shares == {"A": F(1, 2), "B": F(1, 4)}
    assert result.headcount.blank_share == F(1, 4)
    assert result.to_json()["headcount"]["blank_share"] == "1/4"


def test_blank_cast_counts_in_n_c_and_keeps_college_weight() -> None:
    # salariés 1 A + 1 blank; usagers 1 B; collectivités only blank. Equal weights 1/3.
    rows = [("salaries", "A", 1), ("salaries", None, 1), ("usagers", "B", 1)]
    rows.append(("collectivites", None, 1))
    cast = single(rows, equal_rules(), options=("A", "B"))
    # Not cast: collectivités is empty -> redistributed; salariés' n_c = 1.
    assert cast.weighting.empty_colleges == ("collectivites",)
    assert cast.weighted.shares == {"A": F(1, 2), "B": F(1, 2)}
    blank_cast = single(rows, CountingRules(equal_rules().colleges, blank_counts_as_cast=True))
    # Cast: A = 1/3·1/2, B = 1/3·1, blank = 1/3·1/2 + 1/3·1.
    assert blank_cast.weighting.outcome is WeightingOutcome.COMPLETE
    assert blank_cast.weighted.shares == {"A": F(1, 6), "B": F(1, 3)}
    assert blank_cast.weighted.blank_share == F(1, 2)


def test_void_single_choice_answers() -> None:
    rows = [(None, "Z", 1), (None, ["A"], 1), (None, 3, 2), (None, "A", 1)]
    result = single(rows)
    assert (result.turnout.valid, result.turnout.invalid) == (1, 4)
    assert result.headcount.shares == {"A": 1, "B": 0}


def test_tie_has_no_winner() -> None:
    result = single([(None, "A", 2), (None, "B", 2), (None, "C", 1)], options=("A", "B", "C"))
    assert result.winner is None
    assert result.ranking == (("A", "B"), ("C",))


def test_multiple_choice_void_ballots_and_shares() -> None:
    tally = MultipleChoiceTally(["A", "B", "C"], max_selections=2)
    rows = [
        (None, ["A", "B"], 3),
        (None, ["A"], 1),
        (None, ["A", "B", "C"], 2),  # more than max_selections: void
        (None, ["A", "A"], 1),  # repeated option: void
        (None, ["Z"], 1),  # unknown option: void
        (None, [], 1),  # fewer than min_selections (1): void
        (None, "A", 1),  # not a list: void
        (None, None, 1),  # blank
    ]
    result = feed(tally, rows).finish()
    assert (result.turnout.valid, result.turnout.blank, result.turnout.invalid) == (4, 1, 6)
    assert result.headcount.shares == {"A": 1, "B": F(3, 4), "C": 0}
    assert result.to_json()["headcount"]["counts"] == {"A": 4, "B": 3, "C": 0}


def test_multiple_choice_min_zero_accepts_empty_selection() -> None:
    tally = MultipleChoiceTally(["A", "B"], max_selections=1, min_selections=0)
    result = feed(tally, [(None, [], 1), (None, ["A"], 1)]).finish()
    assert result.turnout.valid == 2 and result.headcount.shares["A"] == F(1, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_selections": 0}, "max_selections"),
        ({"max_selections": 4}, "max_selections"),
        ({"max_selections": 2, "min_selections": 3}, "min_selections"),
    ],
)
def test_multiple_choice_bad_bounds(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(TallyError, match=message):
        MultipleChoiceTally(["A", "B", "C"], **kwargs)


def test_collège_errors() -> None:
    with pytest.raises(TallyError, match="without a collège"):
        single([(None, "A", 1)], rules())
    with pytest.raises(TallyError, match="do not list"):
        single([("benevoles", "A", 1)], rules())
    with pytest.raises(TallyError, match="sum to 1"):
        CountingRules({"a": F(1, 2), "b": F(1, 3)})
    with pytest.raises(TallyError, match="positive"):
        CountingRules({"a": F(3, 2), "b": F(-1, 2)})
    with pytest.raises(TallyError, match="Fraction"):
        CountingRules({"a": 0.5, "b": F(1, 2)})  # type: ignore[dict-item]
    with pytest.raises(TallyError, match="count"):
        SingleChoiceTally(["A", "B"]).add(None, "A", -1)


def test_count_means_identical_ballots() -> None:
    grouped = single([("salaries", "A", 3), ("usagers", "B", 2)], rules()).to_json()
    one_by_one = [("salaries", "A", 1)] * 3 + [("usagers", "B", 1)] * 2
    assert single(one_by_one, rules()).to_json() == grouped


# --- properties ---------------------------------------------------------------------------

SINGLE_ROWS = college_rows(st.sampled_from(OPTIONS), blanks=True)


@given(SINGLE_ROWS)
def test_shares_sum_to_one(rows: list[Any]) -> None:
    result = single(rows, equal_rules(), options=OPTIONS)
    if result.turnout.valid:
        assert sum(result.headcount.shares.values()) == 1
    if result.weighted is not None:
        assert sum(result.weighted.shares.values()) == 1


@given(SINGLE_ROWS)
def test_shares_and_blank_sum_to_one_when_blank_is_cast(rows: list[Any]) -> None:
    rule = CountingRules(equal_rules().colleges, blank_counts_as_cast=True)
    result = single(rows, rule, options=OPTIONS)
    for view in (result.headcount, result.weighted):
        if view is not None and (result.turnout.valid or result.turnout.blank):
            assert sum(view.shares.values()) + view.blank_share == 1


@given(SINGLE_ROWS, st.randoms(use_true_random=False))
def test_permuting_ballots_changes_nothing(rows: list[Any], rng: Any) -> None:
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert (
        single(shuffled, equal_rules(), OPTIONS).to_json()
        == single(rows, equal_rules(), OPTIONS).to_json()
    )


@given(SINGLE_ROWS, st.sampled_from(OPTIONS), st.sampled_from(COLLEGES))
def test_a_ballot_for_x_never_lowers_x_share(rows: list[Any], option: str, college: str) -> None:
    before = single(rows, rules(), options=OPTIONS)
    after = single([*rows, (college, option, 1)], rules(), options=OPTIONS)
    assert after.headcount.shares[option] >= before.headcount.shares[option]
    if before.weighted is not None:
        assert after.weighted is not None
        assert after.weighted.shares[option] >= before.weighted.shares[option]


@given(
    st.integers(1, 5).flatmap(
        lambda n: st.lists(
            st.lists(st.sampled_from(OPTIONS), min_size=n, max_size=n), min_size=3, max_size=3
        )
    )
)
def test_equal_weights_and_turnout_give_the_headcount(answers: list[list[str]]) -> None:
    rows = [(college, a, 1) for college, per in zip(COLLEGES, answers, strict=True) for a in per]
    result = single(rows, equal_rules(), options=OPTIONS)
    assert result.weighted.shares == result.headcount.shares
    assert result.weighted.ranking == result.headcount.ranking
