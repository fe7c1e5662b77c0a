"""The foundation's acceptance scenarios, on Telegram through the emulator (both databases)."""

from __future__ import annotations

import re

from tests.e2e.telegram.telegram_e2e_support import Bot


async def test_onboarding_by_deep_link_and_invitation(bot: Bot) -> None:
    stranger = bot.user(3001, "Zoé")
    welcome = await stranger.say("/start")
    assert "Parvis" in welcome and "/start" in welcome

    alice = await bot.admin(1001, "Alice", "en")
    for line in (
        "/college add salaries Salariés | Employees",
        "/college add usagers Usagers | Service users",
        "/college add collectivites Collectivités | Local authorities",
    ):
        assert "✅" in await alice.say(line)
    assert "Weights saved" in await alice.say("/weights 40/40/20")
    refused = await alice.say("/weights 60/30/10")
    assert "50 %" in refused and "salaries" in refused
    shown = await alice.say("/weights")
    assert "40" in shown and "20" in shown

    invitation = await alice.say("/invite usagers")
    code = re.search(r"code: (\w+)", invitation)
    assert code, invitation
    bob = bot.user(1002, "Bob", "en")
    joined = await bob.say(f"/start {code[1]}")  # what t.me/<bot>?start=CODE sends
    assert "Welcome, Bob!" in joined and "Service users" in joined
    assert "Bob" in await alice.say("/members usagers")
    assert "already been used" in await bot.user(1003, "Carol", "en").say(f"/start {code[1]}")
    assert "usagers" in (await bob.say("/whoami")).lower() or "Service users" in (
        await bob.say("/whoami")
    )


async def test_help_in_french_then_english(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", None)
    alice.language = "fr"  # Telegram's language_code is only a hint
    french = await alice.say("/help")
    assert "Commandes" in french or "commandes" in french
    assert "English" in await alice.say("/language en")
    english = await alice.say("/help")
    assert "Commands you can use" in english
    assert french != english


async def test_language_hint_from_telegram_for_strangers(bot: Bot) -> None:
    english = await bot.user(3002, "Sam", "en-GB").say("/help")
    french = await bot.user(3003, "Léa", "fr").say("/help")
    assert english != french
    assert "invitation" in english.lower()


async def test_non_admin_is_refused_every_admin_command_and_nothing_changes(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    await alice.say("/college add salaries Salariés | Employees")
    member = bot.user(1002, "Bob", "en")
    code = re.search(r"code: (\w+)", await alice.say("/invite - participant"))
    assert code
    await member.say(f"/start {code[1]}")
    stranger = bot.user(1009, "Eve", "en")
    before = await bot.snapshot()
    for command in (
        "/college add x X | X",
        "/college list",
        "/weights 40/40/20",
        "/weights",
        "/statutes",
        "/invite salaries",
        "/roster import",
        "/members",
        "/role grant Bob admin",
        "/audit",
    ):
        for person in (member, stranger):
            answer = await person.say(command)
            assert "only an administrator" in answer or "not a member" in answer, (command, answer)
    assert await bot.snapshot() == before


async def test_bad_input_gets_a_clear_message_and_changes_nothing(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    before = await bot.snapshot()
    assert "I don't know the command /frobnicate" in await alice.say("/frobnicate")
    too_long = await alice.say("x" * 10_000)
    assert "too long" in too_long and "10000" in too_long.replace("\u202f", "").replace(",", "")
    for odd in (
        "\u202e/help",
        "𝓱𝓮𝓵𝓵𝓸 🤖",
        "\u200b\u200b",
        "/college add \u0000 A | B",
        "<script>alert(1)</script> & co",
    ):
        answer = await alice.say(odd)
        assert answer.strip(), odd
    assert "Traceback" not in "".join(m.text or "" for m in alice.messages())
    assert await bot.snapshot() == before


async def test_command_menus_in_both_languages_with_admin_commands_only_for_admins(
    bot: Bot,
) -> None:
    def names(scope: object, language: str = "") -> list[str]:
        return [c["command"] for c in bot.emu.commands(scope, language)]  # type: ignore[arg-type]

    english, french = bot.emu.commands(None, "en"), bot.emu.commands(None, "fr")
    assert [c["command"] for c in english] == [c["command"] for c in french]
    assert english != french  # descriptions translated
    assert "help" in names(None) and "college" not in names(None, "fr")

    alice = await bot.admin(1001, "Alice", "en")
    await bot.adapter.refresh_commands()  # what the lead calls after a role change elsewhere
    alice_scope = {"type": "chat", "chat_id": 1001}
    assert {"college", "weights", "invite", "help"} <= set(names(alice_scope))
    code = re.search(r"code: (\w+)", await alice.say("/invite - participant"))
    assert code
    bob = bot.user(1002, "Bob", "en")
    await bob.say(f"/start {code[1]}")
    bob_scope = {"type": "chat", "chat_id": 1002}
    assert names(bob_scope) == []

    await alice.say("/role grant Bob admin")  # the menu follows the role, after a short pause
    await bot.emu.wait_for(lambda: "college" in names(bob_scope), timeout=5)
    await alice.say("/role revoke Bob admin")
    await bot.emu.wait_for(lambda: names(bob_scope) == [], timeout=5)
