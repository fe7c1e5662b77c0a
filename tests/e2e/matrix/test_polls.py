"""Polls on Matrix (in DMs, numbered choices): every question method answered by reaction and
by typing, the ballot screen edited in place (`m.replace`), a ballot changed, results with a
chart as an `m.image`."""

from __future__ import annotations

import re

import pytest
from nio import RoomMessageImage

from bot.app import App
from tests.e2e.matrix.support import BotFactory, Member, MemberFactory, RunningBot, make_admin

pytestmark = pytest.mark.asyncio

FORM = (
    "!poll new Budget 2027; type: deliberation; secret: yes; closes: 7d; "
    "q: Do you approve the budget? | single | Yes | No; "
    "q: Which projects? | multiple max=2 | Pool | Library | Park; "
    "q: Rank the priorities | ranking | Water | Roads | Schools; "
    "q: Rate the projects | judgment | Pool | Library; "
    "q: Are you satisfied? | scale 1-5 | Not at all | Fully; "
    "q: Your remarks | text optional length=300"
)


async def _coop(
    app: App, bot: RunningBot, matrix_member: MemberFactory
) -> tuple[Member, Member, Member]:
    alice = await matrix_member(bot, prefix="alice")
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    for key, names in (
        ("salaries", "Salariés | Employees"),
        ("usagers", "Usagers | Service users"),
        ("collectivites", "Collectivités | Local authorities"),
    ):
        await alice.say(f"!college add {key} {names}")
    await alice.say("!weights 40/40/20")
    people = []
    for name, college in (("bob", "salaries"), ("carol", "usagers")):
        code = re.search(r"code: (\w+)", await alice.say(f"!invite {college}"))
        assert code
        person = await matrix_member(bot, prefix=name)
        await person.open_dm()
        await person.say(f"!start {code[1]}")
        await person.say("!language en")
        people.append(person)
    return alice, people[0], people[1]


# The poll engine's storage is tested on both databases by its own suites; this checks the
# Matrix side (numbered choices, reactions, edits, images), so SQLite keeps the suite short.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_polls_answered_by_reaction_and_typing(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice, bob, carol = await _coop(app, bot, matrix_member)
    created = await alice.talk(FORM, bot)
    poll = re.search(r"Draft poll (\d+) created", created)
    assert poll and "1. Open now" in created and "Budget 2027" in created, created
    assert "is now open" in await alice.talk("1", bot)  # the draft's first choice: "Open now"

    assert "6 questions" in await bob.talk(f"!vote {poll[1]}", bot)
    shown = await bob.synced.inbox.wait_for(
        lambda i: i.sender == bot.user_id and "question 1/6" in i.content.get("body", "")
    )
    first = shown.event
    assert "1. Yes" in first.body
    await bob.react(first.event_id, "1️⃣")  # a quick answer by reaction edits the screen
    edited = await bob.synced.inbox.wait_for(
        lambda i: (
            i.content.get("m.relates_to", {}).get("event_id") == first.event_id
            and "m.new_content" in i.content
        )
    )
    assert "question 2/6" in edited.content["m.new_content"]["body"]
    for line in ("1,3", "3>1>2", "1:2 2:1", "4"):
        await bob.talk(line, bot)
    review = await bob.talk("More trees, please", bot)
    assert "Pool, Park" in review and "Schools > Water" in review, review
    done = await bob.talk("send", bot)
    assert "receipt code" in done, done

    typed = [f"!vote {poll[1]}", "2", "1,2", "3>1>2", "1:2 2:1", "5", "skip", "send"]
    for line in typed:
        answer = await carol.talk(line, bot)
    receipt = re.search(r"receipt code: ([\w-]+)", answer)
    assert receipt, answer
    for line in typed[:-1]:
        await carol.talk(line, bot)
    changed = await carol.talk("send", bot)
    assert "replaces the previous one" in changed and receipt[1] in changed

    closed = await alice.talk(f"!poll close {poll[1]}", bot)
    assert "Participation: 2 of 2" in closed
    await alice.send(f"!poll results {poll[1]}")
    chart = await alice.synced.inbox.wait_for(
        lambda i: i.sender == bot.user_id and isinstance(i.event, RoomMessageImage), timeout=20
    )
    assert chart.room_id == alice.room_id
