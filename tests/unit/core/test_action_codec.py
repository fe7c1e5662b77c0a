"""The compact action codec round-trips and stays within Telegram's 64 bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platforms.actions import MAX_BYTES, ActionCodecError, decode, encode, menu_of
from bot.platforms.ports import Action, Button, Screen

args = st.lists(
    st.one_of(
        st.integers(min_value=-(10**6), max_value=10**9),
        st.text(alphabet=st.characters(blacklist_characters=":\n\r"), max_size=6),
    ),
    max_size=4,
)


@given(st.sampled_from(["v", "vote", "lang", "q"]), args)
def test_round_trip(verb: str, arguments: list[int | str]) -> None:
    action = Action(verb, tuple(arguments))
    try:
        data = encode(action)
    except ActionCodecError:
        return
    assert len(data.encode()) <= MAX_BYTES
    assert decode(data) == action


def test_too_long_is_refused() -> None:
    with pytest.raises(ActionCodecError):
        encode(Action("v", ("x" * 70,)))


@pytest.mark.parametrize("data", ["", " ", "a b:1", "x" * 65])
def test_garbage_is_refused(data: str) -> None:
    with pytest.raises(ActionCodecError):
        decode(data)


def test_ints_and_numeric_strings_stay_distinct() -> None:
    assert decode(encode(Action("v", (42, "42")))) == Action("v", (42, "42"))


def test_the_menu_is_the_last_screen_with_action_buttons() -> None:
    vote = Screen(
        text="q",
        buttons=(
            (Button("Yes", Action("pick", (4, 1, 1))), Button("No", Action("pick", (4, 1, 2)))),
            (Button("Help", url="https://example.org"),),
        ),
    )
    links_only = Screen(text="see", buttons=((Button("Site", url="https://example.org"),),))
    assert menu_of([vote, links_only, Screen(text="plain")]) == ["pick:4:1:1", "pick:4:1:2"]
    assert menu_of([Screen(text="plain")]) == []
    assert menu_of([]) == []
