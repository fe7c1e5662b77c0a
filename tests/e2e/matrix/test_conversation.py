"""The foundation's conversations over a real Synapse, through the real adapter (both DBs)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.storage.tables import AuditRow, InvitationRow, MemberRoleRow, StatutesRow
from tests.e2e.matrix.support import BotFactory, Member, MemberFactory, RunningBot, make_admin

pytestmark = pytest.mark.asyncio


async def test_help_then_language_switch_by_command(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice")
    await alice.open_dm()

    french = await alice.say("!help")
    assert "Commandes" in french or "commandes" in french
    assert "!language" in french  # commands are shown with Matrix's prefix
    switched = await alice.say("!language en")
    assert "English" in switched
    english = await alice.say("/help")  # `/` works too where the client lets it through
    assert "Commands you can use" in english


async def test_numbered_choice_by_typing_and_by_reaction(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice")
    await alice.open_dm()

    menu = await alice.say("!language")
    assert "1. Français" in menu and "2. English" in menu
    assert await alice.say("2") == "✓ From now on I will speak English with you."

    await alice.send("!language")
    menu_event = (await alice.next_reply()).event
    assert "<ol><li>Français</li><li>English</li></ol>" in menu_event.formatted_body
    offered = await alice.synced.inbox.wait_for(
        lambda i: (
            i.type == "m.reaction"
            and i.sender == bot.user_id
            and i.content["m.relates_to"]["event_id"] == menu_event.event_id
        )
    )
    assert offered.content["m.relates_to"]["key"] == "1️⃣"
    await alice.react(menu_event.event_id, "1️⃣")
    assert "français" in (await alice.next_reply()).event.body.lower()
    # a reaction that is not a number, or on a message without choices, is just a reaction
    await alice.react(menu_event.event_id, "👍")
    await alice.react(offered.event.event_id, "2️⃣")
    assert await alice.replies_so_far(settle=0.5) == []


async def test_admin_sets_up_colleges_invites_and_someone_joins(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    for line in (
        "!college add salaries Salariés | Employees",
        "!college add usagers Usagers | Service users",
        "!college add collectivites Collectivités | Local authorities",
    ):
        assert (await alice.say(line)).startswith("✓")
    assert "Weights saved" in await alice.say("!weights 40/40/20")
    refused = await alice.say("!weights 60/30/10")
    assert "50 %" in refused and "salaries" in refused and refused.startswith("✗")
    shown = await alice.say("!weights")
    assert "40" in shown and "20" in shown
    invitation = await alice.say("!invite usagers")
    code = re.search(r"code: (\w+)", invitation)
    assert code and f"!start {code[1]}" in invitation

    bob = await matrix_member(bot, prefix="bob")
    await bob.open_dm()
    joined = await bob.say(f"!start {code[1]}")
    assert "Bienvenue" in joined
    members = await alice.say("!members usagers")
    assert bob.user_id.split(":")[0][1:] in members
    carol = await matrix_member(bot, prefix="carol")
    await carol.open_dm()
    assert "déjà été utilisée" in await carol.say(f"!start {code[1]}")


async def test_non_admin_is_refused_and_nothing_changes(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot, _alice, code = await _admin_with_invitation(
        app, matrix_bot, matrix_member, "- participant"
    )
    mallory = await matrix_member(bot, prefix="mallory")
    await mallory.open_dm()
    stranger_answer = await mallory.say("!weights 40/40/20")
    assert "!start" in stranger_answer  # strangers are told how to join, nothing more
    await mallory.say(f"!start {code}")
    await mallory.say("!language en")
    before = await _snapshot(app)
    for command in (
        "!college add pirates Pirates | Pirates",
        "!college rename salaries Pirates",
        "!weights 40/40/20",
        "!statutes set quorum 1",
        "!invite salaries admin 5",
        "!roster import",
        "!members",
        "!role grant mallory admin",
        "!audit",
    ):
        answer = await mallory.say(command)
        assert "only an administrator" in answer, (command, answer)
    assert await _snapshot(app) == before


async def test_bad_input_gets_clear_answers(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    assert "!frobnicate" in await alice.say("!frobnicate")
    assert "too long" in await alice.say("x" * 10_000)
    assert "!help" in await alice.say("\u202e\u0000 ẑ̸̢ 🧑‍🤝‍🧑 \ufeff")
    assert "Usage: !invite" in await alice.say("!invite a b c d e")
    await alice.say("!language")
    assert "no choice number 7" in await alice.say("[7]")
    await alice.send("!college add x<b> <b>bold</b>")
    echoed = (await alice.next_reply()).event  # people's text is shown, never rendered as HTML
    assert "x<b>" in echoed.body
    assert "x&lt;b&gt;" in echoed.formatted_body and "<b>" not in echoed.formatted_body
    assert "Commands you can use" in await alice.say("!help")  # still answering


async def _snapshot(app) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    async with app.db.uow() as uow:
        counts = []
        for table in (StatutesRow, AuditRow, InvitationRow, MemberRoleRow):
            counts.append(await uow.session.scalar(select(func.count()).select_from(table)))
    return tuple(counts)  # type: ignore[return-value]


async def test_members_and_admins_set_their_notifications(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot, alice, code = await _admin_with_invitation(app, matrix_bot, matrix_member, "salaries")
    bob = await matrix_member(bot, prefix="bob")
    await bob.open_dm()
    await bob.say(f"!start {code}")
    await bob.say("!language en")

    shown = await bob.say("!notifications")
    assert "Reminders: on" in shown and "Reminders before a poll closes" not in shown
    assert "no longer receive reminders" in await bob.say("!notifications off")
    assert "22:00–07:30" in await bob.say("!notifications quiet 22:00-07:30")
    before = await _snapshot(app)
    assert "only an administrator" in await bob.say("!notifications reminders 3h")
    assert await _snapshot(app) == before

    said = await alice.say("!notifications reminders 48h, 3h")
    assert "remind those who have not answered 2 days and 3 hours before" in said, said
    assert "no longer be told" in await alice.say("!notifications turnout off")
    assert "Usage: !notifications" in await alice.say("!notifications turnout never")
    shown = await alice.say("!notifications")
    assert "Reminders before a poll closes: 2 days and 3 hours" in shown, shown
    assert "Turnout check: off" in shown


async def _admin_with_invitation(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory, invite: str
) -> tuple[RunningBot, Member, str]:
    """A running bot; Alice, its admin in English, in her DM with the collège "salaries" set
    up; and the code of `!invite {invite}`."""
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    await alice.say("!college add salaries Salariés | Employees")
    code = re.search(r"code: (\w+)", await alice.say(f"!invite {invite}"))
    assert code
    return bot, alice, code[1]
