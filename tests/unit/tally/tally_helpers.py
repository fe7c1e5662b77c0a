"""Shared builders and hypothesis strategies for the tally tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from math import lcm
from typing import Any

from hypothesis import strategies as st

from bot.polls.tally import CountingRules
from bot.polls.tally.accumulator import Accumulator

OPTIONS = ("A", "B", "C", "D")
COLLEGES = ("collectivites", "salaries", "usagers")
FR = ("Excellent", "Très bien", "Bien", "Assez bien", "Passable", "Insuffisant", "À rejeter")

Row = tuple[str | None, Any, int]


def feed(tally: Accumulator[Any, Any], rows: Iterable[Row]) -> Accumulator[Any, Any]:
    """Add every row to the tally and return it."""
    for college, answer, count in rows:
        tally.add(college, answer, count)
    return tally


def expand(profile: Sequence[tuple[int, Any]], college: str | None = None) -> list[Row]:
    """``[(count, answer), ...]`` as rows of one collège."""
    return [(college, answer, count) for count, answer in profile]


def rules(weights: dict[str, Fraction] | None = None, **kwargs: Any) -> CountingRules:
    """Counting rules; default weights 2/5, 2/5, 1/5 (salariés, usagers, collectivités)."""
    if weights is None:
        weights = {"salaries": Fraction(2, 5), "usagers": Fraction(2, 5)}
        weights["collectivites"] = Fraction(1, 5)
    return CountingRules(weights, **kwargs)


def equal_rules(colleges: Sequence[str] = COLLEGES) -> CountingRules:
    """Equal weights for the given collèges."""
    return CountingRules({key: Fraction(1, len(colleges)) for key in colleges})


def replicate(rows: Sequence[Row], weights: Mapping[str, Fraction]) -> list[Row]:
    """The integer profile a weighted tally stands for: each valid ballot of collège c repeated
    L * w_c / n_c times, L a common denominator (answers must all be valid; blanks dropped)."""
    counted: dict[str, int] = {}
    for college, answer, count in rows:
        if answer is not None and college is not None:
            counted[college] = counted.get(college, 0) + count
    factors = {key: weights[key] / n for key, n in counted.items()}
    scale = lcm(*(factor.denominator for factor in factors.values()))
    return [
        (None, answer, count * int(factors[college] * scale))
        for college, answer, count in rows
        if answer is not None and college is not None
    ]


def rankings(
    options: Sequence[str] = OPTIONS, *, full: bool = False
) -> st.SearchStrategy[list[str]]:
    """Strategy: a ranking (best first) of some or all options."""
    perms = st.permutations(list(options))
    if full:
        return perms
    return perms.flatmap(lambda p: st.integers(1, len(p)).map(lambda n: list(p[:n])))


def college_rows(
    answers: st.SearchStrategy[Any], *, blanks: bool = False
) -> st.SearchStrategy[list[Row]]:
    """Strategy: rows (collège, answer, count) over the three collèges."""
    answer = st.one_of(st.none(), answers) if blanks else answers
    return st.lists(
        st.tuples(st.sampled_from(COLLEGES), answer, st.integers(1, 4)), min_size=1, max_size=12
    )
