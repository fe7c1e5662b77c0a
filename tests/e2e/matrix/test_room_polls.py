"""Native room polls (MSC3381) in a group room, against a real Synapse with real nio clients:
posting (`!poll post N`), responses in both forms as real ballots (latest per sender, eligible
members only), the end event with the results, and a burst of 500 responses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nio import RoomSendResponse

from bot.app import App
from bot.platforms.matrix import polls
from tests.e2e.matrix.rooms import (
    BotAccount,
    add_members,
    answer_lunch,
    ballots,
    counts,
    create_group_room,
    lunch_cast,
    poll_number,
    response,
    response_type,
    settled,
)
from tests.e2e.matrix.support import BotFactory, MemberFactory, make_admin
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import make_client, member_joined
from tests.matrix_harness.pytest_plugin import unique_localpart

pytestmark = pytest.mark.asyncio

LUNCH = (
    "!poll new Lunch; secret: no; audience: associates; results: live; "
    "q: Which days? | multiple max=2 | Mon | Tue | Wed"
)


# SQLite here; the cross-platform test records room poll ballots on PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_room_poll_counts_the_latest_response_of_eligible_members_then_ends(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    cast = await lunch_cast(app, synapse, matrix_member)
    account, alice, bob, carol = cast.account, cast.alice, cast.bob, cast.carol
    ids, people = cast.ids, cast.people
    room = await create_group_room(alice.client, [account.user_id, *(p.user_id for p in people)])
    bot = await matrix_bot(user=account, group_rooms=frozenset({room}), room_poll_check=0.2)
    for person in (account.user_id, *(p.user_id for p in people)):
        await alice.synced.inbox.wait_for(member_joined(room, person), timeout=10)
    alice.room_id = room  # alice types her commands in the group room

    secret = poll_number(await alice.talk("!poll new Vote; q: Agreed? | single | Yes | No", bot))
    await alice.talk(f"!poll open {secret}", bot)
    refused = await alice.talk(f"!poll post {secret}", bot)
    assert "only open-ballot (nominative) consultations" in refused, refused
    number = poll_number(await alice.talk(LUNCH, bot))
    assert "is not open" in await alice.talk(f"!poll post {number}", bot)
    await alice.talk(f"!poll open {number}", bot)
    assert "is posted in this room" in await alice.talk(f"!poll post {number}", bot)
    assert "already in this room" in await alice.talk(f"!poll post {number}", bot)
    bob.room_id = room
    assert "only an administrator" in await bob.talk(f"!poll post {number}", bot)

    start = await bob.synced.inbox.wait_for(lambda i: i.type == polls.START and i.room_id == room)
    body = start.content[polls.START]
    assert body["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert body["max_selections"] == 2
    assert body["question"]["body"] == "Lunch — Which days?"
    assert [a[polls.TEXT] for a in body["answers"]] == ["Mon", "Tue", "Wed"]
    assert f"!vote {number}" in start.content["body"]  # the fallback for clients without polls
    poll_event = start.event.event_id

    await answer_lunch(cast, room, poll_event)
    await settled(bot, 7)
    box = await ballots(app, number)
    assert box == {ids[bob.user_id]: "A,B", ids[carol.user_id]: "C"}, box
    assert await counts(app, number) == (2, 2)
    stats = bot.adapter.room_polls.stats
    assert stats.received == 7 and stats.ignored >= 3, stats

    closed = await alice.talk(f"!poll close {number}", bot)
    assert "Participation: 2 of 2" in closed
    end = await bob.synced.inbox.wait_for(
        lambda i: (
            i.type == polls.END and i.content.get("m.relates_to", {}).get("event_id") == poll_event
        ),
        timeout=10,
    )
    text = end.content["body"]  # in the organisation's language: the room is shared
    assert "Résultats — Lunch" in text and "Participation : 2 sur 2" in text, text
    assert "Mon: 1 voix" in text and "Wed: 1 voix" in text, text
    await asyncio.sleep(0.5)  # a second check must not end it again
    ends = [i for i in bob.synced.inbox.received if i.type == polls.END]
    assert len(ends) == 1 and stats.ended == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_burst_of_500_responses_none_lost_none_counted_twice(
    app: App,
    synapse: SynapseServer,
    matrix_bot: BotFactory,
    matrix_member: MemberFactory,
    tmp_path: Path,
) -> None:
    """20 members each change their answer 25 times, all at once: 500 responses. (Fewer
    people than responses keeps Synapse's joins and per-member push work out of the way.)"""
    people, changes = 20, 25
    localpart = unique_localpart("parvis")
    account = synapse.register(localpart, f"{localpart}-pw")
    alice = await matrix_member(BotAccount(account.user_id), prefix="alice")
    await make_admin(app, alice.user_id, "Alice", "en")
    room = await create_group_room(alice.client, [account.user_id], public=True)
    voters = []
    for _ in range(people):
        name = unique_localpart("voter")
        voters.append(await make_client(synapse.base_url, synapse.register(name, f"{name}-pw")))
    try:
        ids = await add_members(app, [str(v.user_id) for v in voters])
        await asyncio.gather(*(voter.join(room) for voter in voters))
        bot = await matrix_bot(user=account, group_rooms=frozenset({room}))
        await alice.synced.inbox.wait_for(member_joined(room, account.user_id), timeout=10)
        alice.room_id = room
        form = "!poll new Colours; secret: no; q: Which? | multiple | Red | Green | Blue | Ink"
        number = poll_number(await alice.talk(form, bot))
        await alice.talk(f"!poll open {number}", bot)
        await alice.talk(f"!poll post {number}", bot)
        start = await alice.synced.inbox.wait_for(lambda i: i.type == polls.START)
        poll_event = start.event.event_id

        def choice(voter: int, change: int) -> list[str]:
            """Answers of one response: consecutive responses of a voter always differ."""
            mask = (voter * 7 + change) % 15 + 1
            return [f"a{bit + 1}" for bit in range(4) if mask & (1 << bit)]

        await alice.synced.stop()  # her client has nothing left to read: spare the CPU
        sent: list[str] = []

        async def vote(index: int) -> None:
            for change in range(changes):
                stable = (index + change) % 2 == 0  # both forms, interleaved
                content = response(poll_event, choice(index, change), stable)
                answer = await voters[index].room_send(room, response_type(stable), content)
                assert isinstance(answer, RoomSendResponse), answer
                sent.append(answer.event_id)

        await asyncio.gather(*(vote(i) for i in range(people)))
        assert len(set(sent)) == people * changes
        await settled(bot, people * changes, timeout=60)

        stats = bot.adapter.room_polls.stats
        assert stats.received == people * changes  # none lost on the way
        assert stats.counted + stats.superseded == people * changes and stats.ignored == 0
        expected = {
            ids[str(voter.user_id)]: ",".join(
                "ABCD"[int(a[1:]) - 1] for a in choice(index, changes - 1)
            )
            for index, voter in enumerate(voters)
        }
        assert await ballots(app, number) == expected  # each member's last answer, once
        assert await counts(app, number) == (people, people)
    finally:
        for voter in voters:
            await voter.close()
