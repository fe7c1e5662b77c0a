"""Native room polls (MSC3381) in an end-to-end encrypted group room (Megolm), against a real
Synapse with real e2e-capable nio clients: the poll start is posted encrypted, members'
encrypted responses (both forms) are decrypted and counted as ballots (latest per eligible
member), and the encrypted end event with the results is readable by a member."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import pytest

from bot.app import App
from bot.platforms.matrix import polls
from tests.e2e.matrix.rooms import (
    MEGOLM,
    answer_lunch,
    ballots,
    counts,
    create_encrypted_group_room,
    lunch_cast,
    poll_number,
    settled,
)
from tests.e2e.matrix.support import (
    BotFactory,
    Member,
    MemberFactory,
    knows_devices,
)
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import member_joined

pytestmark = pytest.mark.asyncio

LUNCH = (
    "!poll new Lunch; secret: no; audience: associates; results: live; "
    "q: Which days? | multiple max=2 | Mon | Tue | Wed"
)


def stored_event(synapse: SynapseServer, member: Member, room: str, event_id: str) -> Any:
    """An event as the homeserver stores it (what anyone without the keys sees)."""
    return synapse.request_json(
        "GET",
        f"/_matrix/client/v3/rooms/{quote(room)}/event/{quote(event_id)}",
        access_token=member.client.access_token,
    )


# SQLite here; the cross-platform test records room poll ballots on PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_room_poll_in_an_encrypted_room_counts_decrypted_responses_then_ends(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    cast = await lunch_cast(app, synapse, matrix_member, encrypted=True)
    account, alice, bob, carol = cast.account, cast.alice, cast.bob, cast.carol
    ids, people = cast.ids, cast.people
    room = await create_encrypted_group_room(
        alice.client, [account.user_id, *(p.user_id for p in people)]
    )
    bot = await matrix_bot(user=account, group_rooms=frozenset({room}), room_poll_check=0.2)
    everyone = (account.user_id, alice.user_id, *(p.user_id for p in people))
    for person in everyone[:1] + everyone[2:]:
        await alice.synced.inbox.wait_for(member_joined(room, person), timeout=10)
    for member in (alice, *people):
        await member.synced.inbox.wait_for(member_joined(room, account.user_id), timeout=10)
        await knows_devices(member, everyone)
    assert bot.adapter.client.nio.rooms[room].encrypted
    alice.room_id = room  # alice types her (encrypted) commands in the group room

    number = poll_number(await alice.talk(LUNCH, bot))  # the bot decrypts her commands
    await alice.talk(f"!poll open {number}", bot)
    posted = await alice.talk(f"!poll post {number}", bot)  # and she decrypts its answers
    assert "is posted in this room" in posted, posted

    start = await bob.synced.inbox.wait_for(lambda i: i.type == polls.START and i.room_id == room)
    assert start.event.decrypted and start.sender == bot.user_id
    body = start.content[polls.START]
    assert body["max_selections"] == 2
    assert body["question"]["body"] == "Lunch — Which days?"
    assert [a[polls.TEXT] for a in body["answers"]] == ["Mon", "Tue", "Wed"]
    poll_event = start.event.event_id
    on_server = stored_event(synapse, bob, room, poll_event)
    assert on_server["type"] == "m.room.encrypted", on_server  # not posted in clear
    assert on_server["content"]["algorithm"] == MEGOLM and "Lunch" not in str(on_server)

    first = await answer_lunch(cast, room, poll_event)
    stored = stored_event(synapse, alice, room, first)
    assert stored["type"] == "m.room.encrypted", stored  # the responses travel encrypted
    assert stored["content"]["m.relates_to"]["event_id"] == poll_event  # relation in clear
    assert "answers" not in str(stored["content"])

    await settled(bot, 7)  # all seven decrypted and handled: none dropped as undecryptable
    stats = bot.adapter.room_polls.stats
    assert stats.received == 7, stats
    box = await ballots(app, number)
    assert box == {ids[bob.user_id]: "A,B", ids[carol.user_id]: "C"}, box
    assert await counts(app, number) == (2, 2)
    # ignored: dave (outside the audience), eve (no member), carol's "a9" (no such answer)
    assert stats.ignored == 3 and stats.counted + stats.superseded == 4, stats

    closed = await alice.talk(f"!poll close {number}", bot)
    assert "Participation: 2 of 2" in closed, closed
    end = await carol.synced.inbox.wait_for(
        lambda i: (
            i.type == polls.END and i.content.get("m.relates_to", {}).get("event_id") == poll_event
        ),
        timeout=10,
    )
    assert end.event.decrypted and end.sender == bot.user_id
    text = end.content["body"]  # in the organisation's language: the room is shared
    assert "Résultats — Lunch" in text and "Participation : 2 sur 2" in text, text
    assert "Mon: 1 voix" in text and "Wed: 1 voix" in text, text
    on_server = stored_event(synapse, carol, room, end.event.event_id)
    assert on_server["type"] == "m.room.encrypted" and "Lunch" not in str(on_server), on_server
    await asyncio.sleep(0.5)  # a second check must not end it again
    ends = [i for i in carol.synced.inbox.received if i.type == polls.END]
    assert len(ends) == 1 and stats.ended == 1
