"""End-to-end encrypted DM between two nio clients with stores."""

from __future__ import annotations

from urllib.parse import quote

from nio import RoomMessageText, RoomSendResponse

from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import create_dm, member_joined
from tests.matrix_harness.pytest_plugin import ClientFactory, SyncFactory


async def test_encrypted_dm_round_trip(
    synapse: SynapseServer, matrix_client_factory: ClientFactory, matrix_sync: SyncFactory
) -> None:
    alice = await matrix_client_factory(encryption=True)
    bob = await matrix_client_factory(encryption=True)
    assert alice.olm is not None and bob.olm is not None
    alice_sync = await matrix_sync(alice)
    bob_sync = await matrix_sync(bob)

    dm_id = await create_dm(alice, bob.user_id, encrypted=True)
    await alice_sync.inbox.wait_for(member_joined(dm_id, bob.user_id))
    assert alice.rooms[dm_id].encrypted

    sent = await alice.room_send(
        dm_id,
        "m.room.message",
        {"msgtype": "m.text", "body": "secret ballot"},
        ignore_unverified_devices=True,
    )
    assert isinstance(sent, RoomSendResponse), sent
    got = await bob_sync.inbox.wait_for(
        lambda item: isinstance(item.event, RoomMessageText) and item.room_id == dm_id,
        timeout=10,
    )
    assert got.event.body == "secret ballot"
    assert got.event.decrypted

    stored = synapse.request_json(
        "GET",
        f"/_matrix/client/v3/rooms/{quote(dm_id)}/event/{quote(sent.event_id)}",
        access_token=bob.access_token,
    )
    assert stored["type"] == "m.room.encrypted"
    assert "secret ballot" not in str(stored["content"])

    reply = await bob.room_send(
        dm_id,
        "m.room.message",
        {"msgtype": "m.text", "body": "got it"},
        ignore_unverified_devices=True,
    )
    assert isinstance(reply, RoomSendResponse), reply
    back = await alice_sync.inbox.wait_for(
        lambda item: isinstance(item.event, RoomMessageText) and item.sender == bob.user_id,
        timeout=10,
    )
    assert back.event.body == "got it"
    assert back.event.decrypted
