"""Rooms between real nio clients: invite/join/messages, DMs, polls."""

from __future__ import annotations

from urllib.parse import quote

from nio import (
    InviteMemberEvent,
    JoinResponse,
    RoomCreateResponse,
    RoomInviteResponse,
    RoomMessageNotice,
    RoomMessageText,
    RoomSendResponse,
    UnknownEvent,
)

from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import create_dm, get_direct_rooms, member_joined
from tests.matrix_harness.pytest_plugin import ClientFactory, SyncFactory

POLL_START = "org.matrix.msc3381.poll.start"
POLL_RESPONSE = "org.matrix.msc3381.poll.response"


async def test_invite_join_and_message_round_trip(
    matrix_client_factory: ClientFactory, matrix_sync: SyncFactory
) -> None:
    alice = await matrix_client_factory()
    bob = await matrix_client_factory()
    alice_sync = await matrix_sync(alice)
    bob_sync = await matrix_sync(bob, auto_join=False)

    created = await alice.room_create(name="Harness room", topic="round trip")
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id
    assert isinstance(await alice.room_invite(room_id, bob.user_id), RoomInviteResponse)

    await bob_sync.inbox.wait_for(
        lambda item: item.room_id == room_id and isinstance(item.event, InviteMemberEvent)
    )
    assert isinstance(await bob.join(room_id), JoinResponse)
    await alice_sync.inbox.wait_for(member_joined(room_id, bob.user_id))

    sent = await alice.room_send(
        room_id, "m.room.message", {"msgtype": "m.text", "body": "Bonjour Bob !"}
    )
    assert isinstance(sent, RoomSendResponse), sent
    got = await bob_sync.inbox.wait_for(
        lambda item: isinstance(item.event, RoomMessageText) and item.event.body == "Bonjour Bob !"
    )
    assert got.room_id == room_id
    assert got.event.event_id == sent.event_id
    assert got.sender == alice.user_id

    await bob.room_send(room_id, "m.room.message", {"msgtype": "m.notice", "body": "reçu"})
    notice = await alice_sync.inbox.wait_for(
        lambda item: isinstance(item.event, RoomMessageNotice)
    )
    assert notice.event.body == "reçu"
    assert notice.sender == bob.user_id


async def test_dm_sets_m_direct_and_invitee_auto_joins(
    matrix_client_factory: ClientFactory, matrix_sync: SyncFactory
) -> None:
    alice = await matrix_client_factory()
    bob = await matrix_client_factory()
    alice_sync = await matrix_sync(alice)
    bob_sync = await matrix_sync(bob)

    dm_id = await create_dm(alice, bob.user_id)

    await alice_sync.inbox.wait_for(member_joined(dm_id, bob.user_id))
    assert bob_sync.join_errors == []
    invite = bob_sync.inbox.find(
        lambda item: (
            item.room_id == dm_id
            and isinstance(item.event, InviteMemberEvent)
            and item.event.state_key == bob.user_id
        )
    )
    assert invite is not None
    assert invite.event.content.get("is_direct") is True
    assert await get_direct_rooms(alice) == {bob.user_id: [dm_id]}

    second = await create_dm(alice, bob.user_id)
    assert await get_direct_rooms(alice) == {bob.user_id: [dm_id, second]}


async def test_unstable_poll_start_and_response(
    synapse: SynapseServer, matrix_client_factory: ClientFactory, matrix_sync: SyncFactory
) -> None:
    alice = await matrix_client_factory()
    bob = await matrix_client_factory()
    alice_sync = await matrix_sync(alice)
    bob_sync = await matrix_sync(bob)
    created = await alice.room_create(name="Vote", invite=[bob.user_id])
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id
    await alice_sync.inbox.wait_for(member_joined(room_id, bob.user_id))

    question = "On vote ?\n1. Oui\n2. Non"
    start = await alice.room_send(
        room_id,
        POLL_START,
        {
            "org.matrix.msc1767.text": question,
            "body": question,
            POLL_START: {
                "kind": "org.matrix.msc3381.poll.disclosed",
                "max_selections": 1,
                "question": {"org.matrix.msc1767.text": "On vote ?", "body": "On vote ?"},
                "answers": [
                    {"id": "a", "org.matrix.msc1767.text": "Oui"},
                    {"id": "b", "org.matrix.msc1767.text": "Non"},
                ],
            },
        },
    )
    assert isinstance(start, RoomSendResponse), start
    poll_id = start.event_id

    seen = await bob_sync.inbox.wait_for(lambda item: item.type == POLL_START)
    assert isinstance(seen.event, UnknownEvent)
    assert [a["id"] for a in seen.content[POLL_START]["answers"]] == ["a", "b"]

    vote = await bob.room_send(
        room_id,
        POLL_RESPONSE,
        {
            "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
            POLL_RESPONSE: {"answers": ["b"]},
        },
    )
    assert isinstance(vote, RoomSendResponse), vote

    response = await alice_sync.inbox.wait_for(lambda item: item.type == POLL_RESPONSE)
    assert response.sender == bob.user_id
    assert response.content["m.relates_to"]["event_id"] == poll_id
    assert response.content[POLL_RESPONSE]["answers"] == ["b"]

    relations = synapse.request_json(
        "GET",
        f"/_matrix/client/v1/rooms/{quote(room_id)}/relations/{quote(poll_id)}/m.reference",
        access_token=alice.access_token,
    )
    assert [event["event_id"] for event in relations["chunk"]] == [vote.event_id]
