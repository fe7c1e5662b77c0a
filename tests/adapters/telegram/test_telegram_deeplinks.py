"""Group buttons as deep links into the private chat: the payload codec (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.platforms import actions as codec
from bot.platforms.ports import Action
from bot.platforms.telegram.deeplinks import action_from, payload_for

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
verbs = st.from_regex(r"[a-z][a-z0-9_~-]{0,7}", fullmatch=True)
args = st.lists(
    st.one_of(st.integers(-(10**6), 10**9), st.from_regex(r"[A-Za-z0-9_~-]{0,8}", fullmatch=True)),
    max_size=4,
)


@given(verbs, args)
def test_round_trip_within_telegram_payload_rules(verb: str, arguments: list[int | str]) -> None:
    action = Action(verb, tuple(arguments))
    payload = payload_for(action)
    if payload is None:
        assert len(codec.encode(action)) > 30  # 3 + 2 × 30 characters always fit in 64
        return
    assert PAYLOAD.match(payload)
    assert action_from(payload) == codec.decode(codec.encode(action))


def test_examples() -> None:
    assert payload_for(Action("pick", (12, 1, 3))) == "do-pick_12_1_3"
    assert action_from("do-pick_12_1_3") == Action("pick", (12, 1, 3))
    assert payload_for(Action("lang", ("en",))) == "do-lang_en"
    assert payload_for(Action("x", ("é",))) is None  # not expressible in a payload
    assert payload_for(Action("x", ("a" * 70,))) is None


def test_other_payloads_are_not_actions() -> None:
    for payload in ("ABCD2345", "do-", "do-a-z", "do-a-", "p42", "do-é"):
        assert action_from(payload) is None, payload
