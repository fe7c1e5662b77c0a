"""Polls on Telegram: every question method answered by tapping buttons (edits and toasts),
by typing, a ballot changed, the admin opening, closing and reading results (with a chart)."""

from __future__ import annotations

import re

from tests.e2e.telegram.telegram_e2e_support import Bot, User
from tests.telegram_emulator import StoredMessage

COLLEGES = (
    ("salaries", "Salariés | Employees"),
    ("usagers", "Usagers | Service users"),
    ("collectivites", "Collectivités | Local authorities"),
)
FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; closes: 7d; "
    "q: Do you approve the budget? | single | Yes | No; "
    "q: Which projects? | multiple max=2 | Pool | Library | Park; "
    "q: Rank the priorities | ranking | Water | Roads | Schools; "
    "q: Rate the projects | judgment | Pool | Library; "
    "q: Are you satisfied? | scale 1-5 | Not at all | Fully; "
    "q: Your remarks | text optional length=300"
)


async def set_up_coop(
    bot: Bot, people: dict[str, tuple[int, str]]
) -> tuple[User, dict[str, User]]:
    alice = await bot.admin(1001, "Alice", "en")
    for key, names in COLLEGES:
        await alice.say(f"/college add {key} {names}")
    await alice.say("/weights 40/40/20")
    members = {}
    for name, (user_id, college) in people.items():
        code = re.search(r"code: (\w+)", await alice.say(f"/invite {college}"))
        assert code
        person = bot.user(user_id, name, "en")
        assert f"Welcome, {name}!" in await person.say(f"/start {code[1]}")
        members[name] = person
    return alice, members


def last(user: User) -> StoredMessage:
    return user.messages()[-1]


def with_button(user: User, data: str) -> StoredMessage:
    """The latest message offering the button `data`."""
    return next(m for m in reversed(user.messages()) if data in m.callback_data)


async def tap(user: User, message: StoredMessage, data: str) -> str:
    """Press a button the message shows now; the message's text if it was edited, and the
    text of any new message."""
    assert data in message.callback_data, (data, message.callback_data)
    before, edits = len(user.messages()), len(message.edits)
    await user.press(message, data)
    texts = [message.text or ""] if len(message.edits) > edits else []
    return "\n".join(texts + [m.text or "" for m in user.messages()[before:]])


async def test_answering_every_method_by_buttons_and_by_typing(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers")})
    created = await alice.say(FORM)
    poll = int(re.search(r"Draft poll (\d+) created", created)[1])  # type: ignore[index]
    draft = with_button(alice, f"popen:{poll}")
    assert "is now open" in await tap(alice, draft, f"popen:{poll}")

    bob = people["Bob"]
    await bob.say(f"/vote {poll}")
    screen = with_button(bob, f"pick:{poll}:1:1")  # one message, edited at each step
    assert "question 1/6" in (screen.text or "")
    assert "question 2/6" in await tap(bob, screen, f"pick:{poll}:1:1")
    assert "✓ Pool" in await tap(bob, screen, f"tog:{poll}:2:1")
    await tap(bob, screen, f"tog:{poll}:2:3")
    assert "question 3/6" in await tap(bob, screen, f"done:{poll}:2")
    assert "Your order so far: Roads" in await tap(bob, screen, f"rank:{poll}:3:2")
    await tap(bob, screen, f"undo:{poll}:3")
    await tap(bob, screen, f"rank:{poll}:3:3")
    await tap(bob, screen, f"rank:{poll}:3:1")
    assert "question 4/6" in await tap(bob, screen, f"done:{poll}:3")
    await tap(bob, screen, f"grade:{poll}:4:1")
    assert "question 5/6" in await tap(bob, screen, f"grade:{poll}:4:3")
    assert "question 6/6" in await tap(bob, screen, f"val:{poll}:5:4")
    assert len(screen.edits) == 12 and len(bot.emu.callback_answers) == 13  # + "Open now"
    review = await bob.say("More trees, please")  # free text: typed, answered in a new message
    assert "review" in review and "Pool, Park" in review and "Schools > Water" in review
    done = await tap(bob, with_button(bob, f"submit:{poll}"), f"submit:{poll}")
    assert "receipt code" in done
    assert bot.emu.callback_answers[-1].text == "Ballot recorded."
    assert "Traceback" not in "".join(m.text or "" for m in bob.messages())

    carol = people["Carol"]
    typed = [f"/vote {poll}", "2", "1,2", "3>1>2", "1:2 2:1", "5", "skip", "send"]
    for line in typed:
        answer = await carol.say(line)
    receipt = re.search(r"receipt code: ([\w-]+)", answer)
    assert receipt, answer
    for line in typed[:-1]:
        await carol.say(line)
    changed = await carol.say("send")
    assert "replaces the previous one" in changed and receipt[1] in changed

    closed = await alice.say(f"/poll close {poll}")
    assert "Participation: 2 of 2" in closed
    results = len(alice.messages())
    await alice.say(f"/poll results {poll}")
    sent = alice.messages()[results:]
    assert any(m.kind == "photo" and m.photo for m in sent), [m.kind for m in sent]


async def test_members_outside_the_audience_or_strangers_cannot_vote(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries")})
    created = await alice.say(FORM)
    poll = int(re.search(r"Draft poll (\d+) created", created)[1])  # type: ignore[index]
    before = await bot.snapshot()
    assert "not open yet" in await people["Bob"].say(f"/vote {poll}")
    assert "not a member" in await bot.user(1099, "Zoé", "en").say(f"/vote {poll}")
    assert "only an administrator" in await people["Bob"].say(f"/poll open {poll}")
    assert await bot.snapshot() == before


async def test_in_a_group_buttons_open_the_private_chat_and_ballots_stay_there(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries")})
    created = await alice.say(FORM.replace("secret: yes", "secret: no"))
    poll = int(re.search(r"Draft poll (\d+) created", created)[1])  # type: ignore[index]
    await alice.say(f"/poll open {poll}")
    group = -7001
    update = bot.emu.user_message(
        1002, f"/vote@parvis_e2e_bot {poll}", chat_id=group, chat_type="supergroup"
    )
    await bot.processed.wait(update["update_id"])
    posted = bot.emu.sent_to(group)
    assert posted and not any(m.callback_data for m in posted)  # no callback buttons in groups
    links = [b["url"] for m in posted for b in m.buttons]
    first = f"https://t.me/parvis_e2e_bot?start=do-pick_{poll}_1_1"
    assert first in links, links

    bob = people["Bob"]
    before = len(bob.messages())
    await bob.say("/start " + first.split("start=")[1])  # what opening the link sends
    assert "question 2/6" in (bob.messages()[-1].text or "")
    for line in ("1,2", "3>1>2", "1:2 2:1", "5", "skip", "send"):
        answer = await bob.say(line)
    assert "Thank you, your ballot is recorded" in answer
    assert len(bob.messages()) > before
    assert len(bot.emu.sent_to(group)) == len(posted)  # nothing more said in the group
