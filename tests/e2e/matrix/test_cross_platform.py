"""One person on Telegram (the real adapter against the Bot API emulator) and on Matrix (a real
Synapse), accounts linked: whatever they answer where, one ballot, the last one submitted."""

from __future__ import annotations

import re

import pytest

from bot.app import App
from bot.platforms.matrix import polls
from tests.e2e.matrix.rooms import (
    BotAccount,
    ballots,
    counts,
    create_group_room,
    poll_number,
    response,
    response_type,
    settled,
)
from tests.e2e.matrix.support import BotFactory, MemberFactory, make_admin
from tests.e2e.telegram.conftest import StartBot, emu, start_bot  # noqa: F401 - fixtures
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import member_joined
from tests.matrix_harness.pytest_plugin import unique_localpart

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_linked_on_telegram_and_matrix_one_ballot_the_last_submitted(
    app: App,
    synapse: SynapseServer,
    matrix_bot: BotFactory,
    matrix_member: MemberFactory,
    start_bot: StartBot,  # noqa: F811 - the Telegram fixture
) -> None:
    telegram = await start_bot()
    alice = await telegram.admin(1001, "Alice", "en")
    number = poll_number(
        await alice.say("/poll new Lunch; secret: no; q: Which day? | single | Mon | Tue | Wed")
    )
    await alice.say(f"/poll open {number}")
    invitation = re.search(r"code: (\w+)", await alice.say("/invite - participant"))
    assert invitation
    bob_tg = telegram.user(1002, "Bob", "en")
    assert "Welcome, Bob!" in await bob_tg.say(f"/start {invitation[1]}")
    link = re.search(r"code: ([A-Z0-9]{8})", await bob_tg.say("/link"))
    assert link

    localpart = unique_localpart("parvis")
    account = synapse.register(localpart, f"{localpart}-pw")
    carol = await matrix_member(BotAccount(account.user_id), prefix="carol")  # admin on Matrix
    bob_mx = await matrix_member(BotAccount(account.user_id), prefix="bob")
    await make_admin(app, carol.user_id, "Carol", "en")
    room = await create_group_room(carol.client, [account.user_id, bob_mx.user_id])
    bot = await matrix_bot(user=account, group_rooms=frozenset({room}), room_poll_check=0.2)
    for person in (account.user_id, bob_mx.user_id):
        await carol.synced.inbox.wait_for(member_joined(room, person), timeout=10)
    await bob_mx.open_dm()
    assert "Accounts linked" in await bob_mx.talk(f"!link {link[1]}", bot)
    carol.room_id = room
    assert "is posted" in await carol.talk(f"!poll post {number}", bot)
    start = await bob_mx.synced.inbox.wait_for(lambda i: i.type == polls.START)
    member = (await telegram.member_ids())["1002"]
    responses = 0

    async def on_matrix(answer: str, stable: bool) -> None:
        nonlocal responses
        content = response(start.event.event_id, [answer], stable)
        await bob_mx.send_content(content, response_type(stable), room_id=room)
        responses += 1
        await settled(bot, responses)

    async def on_telegram(number_typed: str) -> None:
        await bob_tg.say(f"/vote {number}")
        await bob_tg.say(number_typed)
        sent = await bob_tg.say("send")
        assert "ballot is recorded" in sent or "replaces the previous one" in sent, sent

    await on_telegram("1")
    assert await ballots(app, number) == {member: "A"}
    await on_matrix("a2", stable=False)  # the room poll replaces the Telegram ballot
    assert await ballots(app, number) == {member: "B"}
    await on_telegram("3")
    assert await ballots(app, number) == {member: "C"}
    await on_matrix("a1", stable=True)
    assert await ballots(app, number) == {member: "A"}
    assert await counts(app, number) == (1, 1)  # one ballot, one line in the register

    assert "Participation: 1 of 3" in await alice.say(f"/poll close {number}")
    end = await bob_mx.synced.inbox.wait_for(lambda i: i.type == polls.END, timeout=10)
    assert "Mon: 1" in end.content["body"]  # closed on Telegram, ended in the room
