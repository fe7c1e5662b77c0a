"""Foundation acceptance scenarios on the shell adapter (both databases)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.asyncio


async def test_help_language_switch(shell) -> None:  # type: ignore[no-untyped-def]
    alice = shell("alice")
    french = await alice.say("/help")
    assert "Commandes" in french or "commandes" in french
    await alice.say("/language en")
    english = await alice.say("/help")
    assert "Commands you can use" in english
    assert french != english


async def test_admin_sets_up_colleges_and_invites(shell) -> None:  # type: ignore[no-untyped-def]
    alice = shell("alice", "en")
    await alice.say("/language en")
    for line in (
        "/college add salaries Salariés | Employees",
        "/college add usagers Usagers | Service users",
        "/college add collectivites Collectivités | Local authorities",
    ):
        assert "✓" in await alice.say(line)
    ok = await alice.say("/weights 40/40/20")
    assert "Weights saved" in ok
    refused = await alice.say("/weights 60/30/10")
    assert "50 %" in refused and "salaries" in refused
    shown = await alice.say("/weights")
    assert "40" in shown and "20" in shown
    invitation = await alice.say("/invite usagers")
    code = re.search(r"code: (\w+)", invitation)
    assert code
    bob = shell("bob", "en")
    joined = await bob.say(f"/start {code[1]}")
    assert "bob" in joined.lower()
    members = await alice.say("/members usagers")
    assert "bob" in members
    again = await shell("carol", "en").say(f"/start {code[1]}")
    assert "already been used" in again
