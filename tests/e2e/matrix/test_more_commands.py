"""More commands on Matrix, through the real adapter and a real Synapse: `!polls` and its
numbered "Answer" choice, `!cancel` in the middle of a ballot (nothing written), `!results N`
and `!ballots N` for members (hidden while open, then the results with their chart and the
published receipts with their CSV); the admin's `!poll edit` (drafts only), `!poll archive`,
`!remind N` (non-voters only), `!digest preview|send` (the board receives it); `!announce
here|off` in a configured group room, whose announcement offers no numbered choice (a room
reads commands only). The scheduler is run step by step."""

from __future__ import annotations

import re

import pytest
from nio import RoomMessageFile, RoomMessageImage, RoomMessageNotice, RoomMessagesResponse

from bot.app import App
from bot.jobs.service import build_scheduling
from bot.jobs.settings import announce_chats
from bot.polls.model import Poll, PollStatus
from bot.polls.repository import PollRepository
from bot.scheduling.dispatcher import DispatcherConfig
from bot.storage.tables import OrganisationRow
from tests.e2e.matrix.rooms import (
    BotAccount,
    add_members,
    counts,
    create_group_room,
    poll_number,
)
from tests.e2e.matrix.support import BotFactory, Member, MemberFactory, bot_said, make_admin
from tests.e2e.matrix.test_polls import _coop
from tests.e2e.matrix.test_scheduled import coop_with_scheduler
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import member_joined
from tests.matrix_harness.pytest_plugin import unique_localpart

pytestmark = pytest.mark.asyncio

BUDGET = (
    "!poll new Budget 2027; type: deliberation; secret: yes; closes: 7d; "
    "q: Do you approve the budget? | single | Yes | No"
)
ADMIN_ONLY = "Sorry, only an administrator can do that. Nothing was changed."


async def stored_poll(app: App, number: int) -> Poll:
    """The poll as the database has it."""
    async with app.db.uow() as uow:
        found = await PollRepository(uow.session).get(app.organisation.id, number)
    assert found is not None
    return found


async def bot_bodies(member: Member, room_id: str = "") -> list[str]:
    """The bot's notices in a room, oldest first, read on the server (what was really sent)."""
    page = await member.client.room_messages(room_id or member.room_id, None, limit=200)
    assert isinstance(page, RoomMessagesResponse), page
    return [
        str(event.body)
        for event in reversed(page.chunk)
        if isinstance(event, RoomMessageNotice)
        and event.sender == member.bot_id
        and "m.new_content" not in event.source.get("content", {})
    ]


async def chats(app: App) -> list[str]:
    """The rooms where new polls are announced, as the organisation's settings have them."""
    async with app.db.uow() as uow:
        row = await uow.session.get(OrganisationRow, app.organisation.id)
        assert row is not None
        return [chat.chat_key for chat in announce_chats(row.settings)]


async def bot_reactions(member: Member, room_id: str) -> list[str]:
    """Keys of the reactions the bot put in a room (it offers them under numbered choices)."""
    page = await member.client.room_messages(room_id, None, limit=200)
    assert isinstance(page, RoomMessagesResponse), page
    return [
        str(event.source["content"]["m.relates_to"]["key"])
        for event in page.chunk
        if event.source.get("type") == "m.reaction" and event.sender == member.bot_id
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_member_commands_polls_cancel_results_and_ballots(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice, bob, carol = await _coop(app, bot, matrix_member)
    assert "no open poll for you" in await bob.talk("!polls", bot)
    poll = poll_number(await alice.talk(BUDGET, bot))
    await alice.talk(f"!poll open {poll}", bot)

    listed = await bob.talk("!polls", bot)
    assert listed.startswith("Open polls"), listed
    assert f"{poll}. Budget 2027 (not answered yet — closes " in listed, listed
    assert listed.endswith(f"1. Answer {poll}"), listed  # a button, as a numbered choice
    started = await bob.talk("1", bot)
    assert "Budget 2027 — question 1/1" in started and "Type !cancel at any time" in started
    review = await bob.talk("1", bot)  # Yes
    assert "Budget 2027 — review" in review and "1. Send my ballot" in review, review
    assert await bob.talk("!cancel", bot) == "Cancelled. Nothing was changed."
    assert await counts(app, poll) == (0, 0)  # no ballot, no signature in the register
    assert "no longer valid" in await bob.talk("1", bot)  # the review's "Send": stale now
    assert "I did not understand" in await bob.talk("send", bot)
    assert await bob.talk("!cancel", bot) == "There is nothing to cancel."
    assert await counts(app, poll) == (0, 0)

    hidden = f"The results of poll {poll} are not available to you yet."
    assert hidden in await bob.talk(f"!results {poll}", bot)  # results: after the close
    receipts = {}
    for person, choice in ((bob, "1"), (carol, "2")):
        for line in (f"!vote {poll}", choice):
            await person.talk(line, bot)
        sent = await person.talk("send", bot)
        found = re.search(r"receipt code: ([\w-]+)", sent)
        assert found, sent
        receipts[person.user_id] = found[1]
    assert await counts(app, poll) == (2, 2)
    answered = await bob.talk("!polls", bot)
    assert f"{poll}. Budget 2027 (answered — you can change it until " in answered, answered
    assert answered.endswith(f"1. Change my answer to {poll}"), answered
    assert hidden in await bob.talk(f"!results {poll}", bot)
    assert hidden in await bob.talk(f"!ballots {poll}", bot)  # published once closed only

    await alice.talk(f"!poll close {poll}", bot)
    results = await bob.talk(f"!results {poll}", bot)
    assert results.startswith("Results — Budget 2027\n\nFinal results"), results
    assert "Participation: 2 of 2 (100%)" in results and "Employees: 1/1 (100%)" in results
    assert "• Yes: 1 vote (50%) · weighted 50%" in results, results
    assert "• No: 1 vote (50%) · weighted 50%" in results, results
    await bob.synced.inbox.wait_for(bot_said(bob, bot.user_id, kind=RoomMessageImage), timeout=15)

    published = await bob.talk(f"!ballots {poll}", bot)
    assert published.startswith(f"Published ballots of poll {poll}"), published
    assert "Find your receipt code" in published
    assert f"{receipts[bob.user_id]} — - — Yes" in published, published
    assert f"{receipts[carol.user_id]} — - — No" in published, published
    await bob.synced.inbox.wait_for(
        bot_said(bob, bot.user_id, f"poll-{poll}-receipts.csv", RoomMessageFile), timeout=15
    )
    assert "no open poll for you" in await bob.talk("!polls", bot)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_admin_edit_archive_remind_and_digest(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot, scheduling, (alice, bob, carol) = await coop_with_scheduler(
        app, matrix_bot, matrix_member
    )
    poll = poll_number(await alice.talk(BUDGET, bot))

    edit = (
        f"!poll edit {poll} title: Budget 2028; closes: 2026-01-09 18:00; "
        "q: Do you approve the 2028 budget? | single | Yes | No | Later"
    )
    edited = await alice.talk(edit, bot)
    assert edited.startswith(f"Budget 2028\n\nPoll {poll} — draft"), edited
    assert "Closes: 1/9/26" in edited and "   3. Later" in edited, edited
    assert ADMIN_ONLY in await bob.talk(f"!poll edit {poll} title: Mine", bot)
    assert (await stored_poll(app, poll)).title == "Budget 2028"
    assert "is now open" in await alice.talk(f"!poll open {poll}", bot)
    late = await alice.talk(f"!poll edit {poll} title: Too late; q: Agreed? | single | Yes", bot)
    assert (
        late == f"✗ Poll {poll} can no longer be changed: only a draft can be edited (it is open)."
    )
    early = await alice.talk(f"!poll archive {poll}", bot)
    assert early == f"✗ Poll {poll} is open: it cannot become archived.", early
    stored = await stored_poll(app, poll)
    assert (stored.title, stored.status) == ("Budget 2028", PollStatus.OPEN)
    assert [o.label for o in stored.questions[0].options] == ["Yes", "No", "Later"]

    await scheduling.dispatcher.dispatch_once()  # the announcements
    for line in (f"!vote {poll}", "1"):
        await bob.talk(line, bot)
    assert "receipt code" in await bob.talk("send", bot)
    assert ADMIN_ONLY in await bob.talk(f"!remind {poll}", bot)
    reminding = await alice.talk(f"!remind {poll}", bot)
    assert reminding == "✓ A reminder is on its way to 1 member who has not answered yet."
    again = await alice.talk(f"!remind {poll}", bot)  # the same minute: nobody twice
    assert "1 member was already reminded a moment ago." in again, again
    await scheduling.dispatcher.dispatch_once()  # sends are done when it returns
    reminders = [b for b in await bot_bodies(carol) if b.startswith("Reminder: Budget 2028")]
    assert len(reminders) == 1, reminders
    assert f"!vote {poll}" in reminders[0] and "!notifications off" in reminders[0]
    assert not [b for b in await bot_bodies(bob) if "Reminder" in b]  # he has answered

    assert ADMIN_ONLY in await bob.talk("!digest preview", bot)
    preview = await alice.talk("!digest preview", bot)
    assert preview.startswith("Weekly digest — Coop Test\n\nOpen polls (1)"), preview
    assert f"• {poll}. Budget 2028\n  participation: 1 of 2 (50%)" in preview, preview
    assert "Employees: 1/1 (100%)" in preview and "Service users: 0/1 (0%)" in preview
    assert not [b for b in await bot_bodies(carol) if "Weekly digest" in b]  # a preview only
    own = await carol.talk("!digest preview", bot)  # the board may preview too
    assert own.startswith("Weekly digest — Coop Test"), own
    assert ADMIN_ONLY in await carol.talk("!digest send", bot)  # admins send
    sending = await alice.talk("!digest send", bot)
    assert sending == "✓ The digest is on its way to 1 board member.", sending
    await scheduling.dispatcher.dispatch_once()
    digests = [b for b in await bot_bodies(carol) if b.startswith("Weekly digest")]
    assert len(digests) == 2, digests  # her own preview, then the digest sent to her
    assert "participation: 1 of 2 (50%)" in digests[1], digests
    assert not [b for b in await bot_bodies(bob) if "Weekly digest" in b]  # the board only
    assert len([b for b in await bot_bodies(alice) if "Weekly digest" in b]) == 1  # her preview

    assert "is now closed" in await alice.talk(f"!poll close {poll}", bot)
    archived = await alice.talk(f"!poll archive {poll}", bot)
    assert archived == f"✓ Poll {poll} is now archived.", archived
    assert (await stored_poll(app, poll)).status is PollStatus.ARCHIVED
    assert f"{poll}. Budget 2028 — archived — 1 ballot" in await alice.talk("!poll list", bot)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_announce_here_then_off_in_a_group_room(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    localpart = unique_localpart("parvis")
    account = synapse.register(localpart, f"{localpart}-pw")
    stand_in = BotAccount(account.user_id)
    alice = await matrix_member(stand_in, prefix="alice")
    bob = await matrix_member(stand_in, prefix="bob")
    await make_admin(app, alice.user_id, "Alice", "en")
    await add_members(app, [bob.user_id])
    room = await create_group_room(alice.client, [account.user_id, bob.user_id])
    bot = await matrix_bot(user=account, group_rooms=frozenset({room}))
    for person in (account.user_id, bob.user_id):
        await alice.synced.inbox.wait_for(member_joined(room, person), timeout=10)
    await alice.open_dm()
    await bob.open_dm()
    scheduling = build_scheduling(
        app, frozenset({"matrix"}), DispatcherConfig(max_in_flight=2), worker_id="e2e"
    )
    dm_refusal = await alice.talk("!announce here", bot)  # in her DM
    assert "in the group where new polls should be announced, not here." in dm_refusal
    alice.room_id = room  # alice now types her commands in the group room
    assert "New polls are announced to each member privately." in await alice.talk(
        "!announce", bot
    )
    bob_dm, bob.room_id = bob.room_id, room
    assert ADMIN_ONLY in await bob.talk("!announce here", bot)
    bob.room_id = bob_dm
    assert await chats(app) == []
    assert await alice.talk("!announce here", bot) == "✓ New polls will be announced in this chat."
    listed = await alice.talk("!announce", bot)
    assert listed == f"New polls are also announced in:\n• matrix: {room}", listed
    assert await chats(app) == [room]

    form = "!poll new {}; q: Which day? | single | Mon | Tue"
    lunch = poll_number(await alice.talk(form.format("Lunch"), bot))
    assert "is now open" in await alice.talk(f"!poll open {lunch}", bot)
    await scheduling.dispatcher.dispatch_once()  # sends are done when it returns
    posted = [b for b in await bot_bodies(alice, room) if "Lunch" in b and "!vote" in b]
    assert len(posted) == 1, posted  # in the organisation's language: the room is shared
    assert posted[0].startswith("Nouvelle consultation : Lunch"), posted
    assert "Les personnes qui peuvent répondre ont reçu un message privé" in posted[0]
    assert f"m’écrire en privé : !vote {lunch}." in posted[0]
    assert "Répondre" not in posted[0]  # no choice that nobody could press in a room
    assert await bot_reactions(alice, room) == []
    assert [b for b in await bot_bodies(bob) if b.startswith("New poll: Lunch")]  # and privately

    off = await alice.talk("!announce off", bot)
    assert off == "✓ New polls will no longer be announced in this chat.", off
    assert await chats(app) == []
    dinner = poll_number(await alice.talk(form.format("Dinner"), bot))
    await alice.talk(f"!poll open {dinner}", bot)
    await scheduling.dispatcher.dispatch_once()
    assert [b for b in await bot_bodies(bob) if b.startswith("New poll: Dinner")]
    assert not [b for b in await bot_bodies(alice, room) if "Dinner" in b and "!vote" in b]
