"""Account linking across the shell and Matrix: one person, one member, one vote."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.core.clock import FrozenClock
from bot.storage.tables import IdentityRow, MemberRow
from tests.e2e.matrix.support import BotFactory, MemberFactory, ShellFactory

pytestmark = pytest.mark.asyncio


def _code(text: str) -> str:
    found = re.search(r"code: ([A-Z0-9]{8})", text)
    assert found, text
    return found[1]


async def _count(app, table) -> int:  # type: ignore[no-untyped-def]
    async with app.db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(table)) or 0)


async def test_shell_and_matrix_accounts_become_one_member(
    app: App, shell: ShellFactory, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    alice_shell = shell("alice", "en")
    await alice_shell.say("/language en")  # the first shell user is the administrator
    shown = await alice_shell.say("/link")
    code = _code(shown)
    assert f"!link {code}" in shown

    bot = await matrix_bot()
    alice = await matrix_member(bot, prefix="alice")
    await alice.open_dm()
    linked = await alice.say(f"!link {code.lower()}")  # codes are case-insensitive
    assert "Accounts linked" in linked and "matrix, shell" in linked
    assert await _count(app, MemberRow) == 1 and await _count(app, IdentityRow) == 2
    whoami = await alice.say("!whoami")  # same member: same name, language and roles
    assert "alice" in whoami and "administrator" in whoami
    assert "1 member" in await alice.say("!members")
    assert "unknown or has expired" in await alice.say(f"!link {code}")  # used up

    # the other direction: a code shown on Matrix, typed in the shell, by someone else
    bob = shell("bob", "en")
    from_matrix = _code(await alice.say("!link"))
    assert "Accounts linked" in await bob.say(f"/link {from_matrix}")
    assert await _count(app, IdentityRow) == 3

    assert "Unlinked: matrix" in await alice_shell.say("/unlink matrix")
    assert "!start" in await alice.say("!whoami")  # the Matrix account is a stranger again
    assert await _count(app, MemberRow) == 1


async def test_link_codes_are_short_lived_single_use_and_safe(
    app: App, shell: ShellFactory, clock: FrozenClock
) -> None:
    alice = shell("alice", "en")
    await alice.say("/language en")
    code = _code(await alice.say("/link"))
    assert "not from this one" in await alice.say(f"/link {code}")
    clock.advance(timedelta(minutes=11))
    carol = shell("carol", "en")
    assert "expired" in await carol.say(f"/link {code}")
    assert "only account" in await alice.say("/unlink")

    invitation = await alice.say("/invite - participant")
    dave = shell("dave", "en")
    await dave.say(f"/start {_code(invitation)}")
    fresh = _code(await alice.say("/link"))
    assert "already belongs to another member" in await dave.say(f"/link {fresh}")
    assert await _count(app, IdentityRow) == 2  # nothing was merged
    assert "Accounts linked" in await carol.say(f"/link {fresh}")
    assert "unknown or has expired" in await carol.say(f"/link {fresh}")
    assert "Unlinked" in await carol.say("/unlink")  # carol's account leaves, alice stays
    assert "Name: alice" in await alice.say("/whoami")
