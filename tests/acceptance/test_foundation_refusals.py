"""Non-admins and bad input are refused politely, and nothing changes (both databases)."""

from __future__ import annotations

import re

import pytest

from tests.support.snapshots import snapshot

pytestmark = pytest.mark.asyncio

ADMIN_COMMANDS = [
    "/college add test Test",
    "/college rename salaries Autre",
    "/college list",
    "/weights 40/40/20",
    "/weights",
    "/statutes",
    "/statutes set quorum 50",
    "/invite usagers",
    "/roster import /etc/passwd",
    "/members",
    "/role grant alice admin",
    "/role revoke alice admin",
    "/audit",
    "/poids 40/40/20",
]


async def _setup(shell):  # type: ignore[no-untyped-def]
    alice = shell("alice", "en")
    await alice.say(
        "/language en",
        "/college add salaries Salariés | Employees",
        "/college add usagers Usagers | Service users",
        "/college add collectivites Collectivités | Local authorities",
        "/weights 40/40/20",
    )
    code = re.search(r"code: (\w+)", await alice.say("/invite usagers"))
    assert code
    bob = shell("bob", "en")
    await bob.say(f"/start {code[1]}", "/language en")
    return alice, bob


async def test_non_admin_is_refused_everywhere_and_nothing_changes(shell, app) -> None:  # type: ignore[no-untyped-def]
    _, bob = await _setup(shell)
    before = await snapshot(app.db)
    for command in ADMIN_COMMANDS:
        answer = await bob.say(command)
        assert "only an administrator" in answer, command
    assert await snapshot(app.db) == before


async def test_strangers_are_refused_and_nothing_changes(shell, app) -> None:  # type: ignore[no-untyped-def]
    await _setup(shell)
    mallory = shell("mallory", "en")
    before = await snapshot(app.db)
    for command in ADMIN_COMMANDS:
        answer = await mallory.say(command)
        assert "not a member yet" in answer, command
    assert "not a member yet" in await mallory.say("/language fr")
    assert await snapshot(app.db) == before


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/frobnicate", "don't know the command /frobnicate"),
        ("hello there", "did not understand"),
        ("/weights 40/40", "3 collèges"),
        ("/weights abc/def/ghi", "is not a weight"),
        ("/weights 45/50/5", "at least 10 %"),
        ("/weights 40/40/30", "exactly 100 %"),
        ("/invite nowhere", "no collège “nowhere”"),
        ("/invite usagers associate 0", "between 1 and"),
        ("/invite usagers associate 3 yesterday", "expiry"),
        ("/invite usagers associate 3 -5d", "expiry"),
        ("/college add BAD!KEY Nom", "cannot be a collège key"),
        ("/college add salaries Doublon", "already exists"),
        ("/role grant nobody admin", "Nobody is called"),
        ("/role grant bob emperor", "is not a role"),
        ("/role revoke alice admin", "last administrator"),
        ("/statutes set quorum lots", "is not a weight"),
        ("/audit 100000", "Usage"),
        ("/roster import /nonexistent.csv", "cannot find the file"),
        ("[9]", "no choice number 9"),
        ("/" + "x" * 10_000, "too long"),
        ("é" * 10_000, "too long"),
        ("\u202e\u0000\ufeff🙂 zalgo z̷̢͓͐a̸̘̎l̵̰̈g̴̣̈́o̵̩͝", "did not understand"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_changes_nothing(  # type: ignore[no-untyped-def]
    shell, app, line: str, expected: str
) -> None:
    alice, _ = await _setup(shell)
    before = await snapshot(app.db)
    answer = await alice.say(line)
    assert expected in answer
    assert "Traceback" not in answer
    assert await snapshot(app.db) == before


async def test_used_and_expired_codes(shell, app, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    alice, _ = await _setup(shell)
    code = re.search(r"code: (\w+)", await alice.say("/invite salaries associate 1 2h"))
    assert code
    clock.advance(timedelta(hours=3))
    before = await snapshot(app.db)
    assert "expired" in await shell("carol", "en").say(f"/start {code[1]}")
    assert "does not exist" in await shell("dave", "en").say("/start NOPE1234")
    assert await snapshot(app.db) == before
