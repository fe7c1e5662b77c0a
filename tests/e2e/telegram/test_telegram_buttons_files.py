"""Buttons (edit + toast, stale data), files both ways, long texts, groups, messages to others."""

from __future__ import annotations

import csv
import io

from bot.handlers.context import Context
from bot.platforms.ports import (
    Action,
    ActionInvoked,
    Button,
    Command,
    Interaction,
    Reply,
    Screen,
)
from bot.platforms.telegram.outbound import DEEP_LINK_PREFIX
from tests.e2e.telegram.telegram_e2e_support import Bot

LONG_TEXT = " ".join(f"word{n}" for n in range(2000))  # 16,889 characters


def counter_screen(count: int) -> Screen:
    return Screen(
        text=f"Counted: {count}",
        buttons=(
            (Button("+1", Action("probe", (count + 1,))), Button("=", Action("probe", (count,)))),
        ),
        replaces_origin=True,
    )


async def probe_command(ix: Interaction, ctx: Context) -> Reply:
    """`/probe [long|group]`: screens the foundation's handlers do not produce yet."""
    assert isinstance(ix.intent, Command)
    args = ix.intent.args
    if args[:1] == ("long",):
        return Reply.of(Screen(text=LONG_TEXT, title="Long", buttons=counter_screen(0).buttons))
    if args[:1] == ("group",):
        return Reply.of(
            Screen(
                text="Vote in private", buttons=((Button("Vote", url=f"{DEEP_LINK_PREFIX}p42"),),)
            )
        )
    return Reply.of(counter_screen(0))


async def probe_action(ix: Interaction, ctx: Context) -> Reply:
    assert isinstance(ix.intent, ActionInvoked)
    count = int(ix.intent.action.args[0])
    return Reply.of(counter_screen(count), notice=f"Saved ({count})")


def install_probe(bot: Bot) -> None:
    router = bot.app.dispatcher.router
    router.command("probe", probe_command, "probe")
    router.action("probe", probe_action)


async def test_button_press_edits_the_message_and_shows_a_toast(bot: Bot) -> None:
    install_probe(bot)
    alice = await bot.admin(1001, "Alice", "en")
    await alice.say("/probe")
    [message] = alice.messages()
    assert message.callback_data == ["probe:1", "probe:0"]
    await alice.press(message, "probe:1")
    assert message.edited and message.text == "Counted: 1"
    assert message.callback_data == ["probe:2", "probe:1"]
    assert bot.emu.callback_answers[-1].text == "Saved (1)"
    await alice.press(message, "probe:1")  # same screen again: "message is not modified"
    assert len(message.edits) == 1 and len(alice.messages()) == 1
    assert bot.emu.callback_answers[-1].text == "Saved (1)"


async def test_language_buttons(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "fr")
    await alice.say("/language")
    [choice] = alice.messages()
    await alice.press(choice, "lang:en")
    assert "From now on I will speak English" in (alice.messages()[-1].text or "")
    assert bot.emu.callback_answers[-1].user_id == 1001


async def test_stale_and_unknown_buttons_get_a_polite_answer(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    markup = {
        "inline_keyboard": [
            [
                {"text": "old", "callback_data": "not an action"},
                {"text": "gone", "callback_data": "retired:3"},
            ]
        ]
    }
    sent = await bot.emu.call("sendMessage", chat_id=1001, text="old menu", reply_markup=markup)
    [old] = [m for m in alice.messages() if m.message_id == sent["message_id"]]
    await alice.press(old, "not an action")
    assert "no longer valid" in (bot.emu.callback_answers[-1].text or "")
    await alice.press(old, "retired:3")
    assert "no longer valid" in (bot.emu.callback_answers[-1].text or "")
    assert "no longer valid" in (alice.messages()[-1].text or "")


async def test_long_text_is_split_with_the_keyboard_on_the_last_part(bot: Bot) -> None:
    install_probe(bot)
    alice = await bot.admin(1001, "Alice", "en")
    await alice.say("/probe long")
    parts = alice.messages()
    assert len(parts) == 5  # 4,096 characters at most each
    assert all(len(p.text or "") <= 4096 for p in parts)
    assert " ".join((p.text or "") for p in parts) == "Long\n" + LONG_TEXT
    assert [bool(p.buttons) for p in parts] == [False, False, False, False, True]


async def test_roster_csv_in_and_invitation_codes_out_as_a_document(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    for key in ("salaries", "usagers", "collectivites"):
        await alice.say(f"/college add {key} {key.title()} | {key.title()}")
    assert "CSV" in await alice.say("/roster import")
    roster = (
        "name,college,role,contact\n"
        "Bob,usagers,associate,\n"
        "Chloé,salaries,associate,c@x.org\n"
        "Bad,nowhere,associate,\n"
    )
    answer = await alice.send_file("roster.csv", roster.encode())
    assert "2 invitations created" in answer and "line 4" in answer
    document = alice.messages()[-1]
    assert document.kind == "document" and document.document is not None
    rows = list(csv.DictReader(io.StringIO(document.document.decode())))
    assert [r["name"] for r in rows] == ["Bob", "Chloé"] and all(len(r["code"]) >= 6 for r in rows)
    bob = bot.user(1002, "Bob", "en")
    assert "Welcome, Bob!" in await bob.say(f"/start {rows[0]['code']}")


async def test_files_too_large_are_refused_politely(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    before = await bot.snapshot()
    answer = await alice.send_file("huge.csv", b"name,college\n" + b"x,y\n" * 800_000)
    assert "too large" in answer
    assert await bot.snapshot() == before


async def test_group_commands_are_answered_in_the_group_with_deep_links(bot: Bot) -> None:
    install_probe(bot)
    await bot.admin(1001, "Alice", "en")
    group = -5001
    update = bot.emu.user_message(
        1001, "/probe@parvis_e2e_bot group", chat_id=group, chat_type="group"
    )
    await bot.processed.wait(update["update_id"])
    chatter = bot.emu.user_message(1001, "hello everyone", chat_id=group, chat_type="group")
    await bot.processed.wait(chatter["update_id"])
    [posted] = bot.emu.sent_to(group)
    assert posted.buttons == [{"text": "Vote", "url": "https://t.me/parvis_e2e_bot?start=p42"}]
