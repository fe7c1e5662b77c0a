"""SCIC rules on statutes and weights (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from bot.members.model import (
    Invitation,
    Role,
    equal_weights,
    normalise_invitation_code,
    parse_weight,
    parse_weights,
    validate_weights,
)

KEYS = ["salaries", "usagers", "collectivites"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", Fraction(2, 5)),
        ("40 %", Fraction(2, 5)),
        ("40%", Fraction(2, 5)),
        ("2/5", Fraction(2, 5)),
        ("33,5", Fraction(67, 200)),
        ("12.5 %", Fraction(1, 8)),
    ],
)
def test_weights_as_admins_type_them(text: str, expected: Fraction) -> None:
    assert parse_weight(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1/0", "-5", "40 % %", "½"])
def test_bad_weights_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as error:
        parse_weight(text)
    assert error.value.key == "statutes.bad_weight"


def test_weight_lists() -> None:
    assert parse_weights("40/40/20", KEYS) == dict(
        zip(KEYS, [Fraction(2, 5)] * 2 + [Fraction(1, 5)], strict=True)
    )
    assert parse_weights("2/5 2/5 1/5", KEYS)["collectivites"] == Fraction(1, 5)
    assert parse_weights("usagers=40 salaries=40 collectivites=20", KEYS)["usagers"] == Fraction(
        2, 5
    )
    with pytest.raises(DomainError) as error:
        parse_weights("50/50", KEYS)
    assert error.value.key == "statutes.weights_count"


@pytest.mark.parametrize(
    ("weights", "key"),
    [
        ([60, 30, 10], "statutes.weight_above_max"),
        ([45, 50, 5], "statutes.weight_below_min"),
        ([40, 40, 30], "statutes.weights_not_100"),
        ([50, 50], "statutes.too_few_colleges"),
    ],
)
def test_scic_rules_name_the_broken_rule(weights: list[int], key: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_weights({f"c{i}": Fraction(w, 100) for i, w in enumerate(weights)})
    assert error.value.key == key


def test_legal_weights_pass() -> None:
    validate_weights(
        dict(zip(KEYS, [Fraction(2, 5), Fraction(2, 5), Fraction(1, 5)], strict=True))
    )
    validate_weights(equal_weights(KEYS))


@given(st.integers(min_value=3, max_value=10))
def test_equal_weights_are_exact_and_legal(n: int) -> None:
    weights = equal_weights([f"c{i}" for i in range(n)])
    assert sum(weights.values()) == 1
    validate_weights(weights)


def test_invitation_usability() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ok = Invitation("ABC", Role.ASSOCIATE, "usagers", 1, 0, now + timedelta(days=1))
    ok.check_usable(now)
    for invitation, key in [
        (Invitation("A", Role.ASSOCIATE, None, 1, 1, None), "invitation.used_up"),
        (Invitation("A", Role.ASSOCIATE, None, 1, 0, now), "invitation.expired"),
        (Invitation("A", Role.ASSOCIATE, None, 1, 0, None, revoked=True), "invitation.revoked"),
    ]:
        with pytest.raises(DomainError) as error:
            invitation.check_usable(now)
        assert error.value.key == key
    assert normalise_invitation_code(" ab-cd 23 ") == "ABCD23"
