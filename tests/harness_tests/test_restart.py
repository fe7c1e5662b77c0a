"""A restarted homeserver keeps its data; sync loops see it go away (and come back)."""

from __future__ import annotations

import asyncio

import pytest
from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomSendResponse,
)

from tests.matrix_harness.clients import (
    client_config,
    make_client,
    patient_config,
    start_sync,
)
from tests.matrix_harness.pytest_plugin import ServerFactory


async def test_restart_keeps_users_history_and_patient_syncs(
    synapse_factory: ServerFactory,
) -> None:
    server = synapse_factory()
    carol = server.register("carol", "carol-password")
    dave = server.register("dave", "dave-password")
    client = await make_client(server.base_url, carol)
    fragile = await make_client(server.base_url, dave)  # max_timeouts=2: gives up fast
    patient = await make_client(server.base_url, dave, config=patient_config())
    try:
        created = await client.room_create(name="persistent", invite=[dave.user_id])
        assert isinstance(created, RoomCreateResponse), created
        room_id = created.room_id
        await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "avant"})
        joined = await fragile.join(room_id)
        assert isinstance(joined, JoinResponse), joined
        async with (
            await start_sync(fragile) as fragile_sync,
            await start_sync(patient) as patient_sync,
        ):
            port, old_pid = server.port, server.pid
            # In a thread: a blocking restart would freeze the sync loops and hide the outage.
            await asyncio.to_thread(server.restart)
            assert server.port == port
            assert server.pid != old_pid

            with pytest.raises(AssertionError, match="sync loop died"):
                await fragile_sync.inbox.wait_for(lambda item: False, timeout=10)

            sent = await client.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": "après"}
            )
            assert isinstance(sent, RoomSendResponse), sent
            got = await patient_sync.inbox.wait_for(
                lambda item: isinstance(item.event, RoomMessageText) and item.event.body == "après"
            )
            assert got.room_id == room_id
    finally:
        for nio_client in (client, fragile, patient):
            await nio_client.close()

    again = AsyncClient(server.base_url, carol.user_id, config=client_config())
    try:
        login = await again.login(carol.password)
        assert isinstance(login, LoginResponse), login
        history = await again.room_messages(room_id, limit=20)
        assert isinstance(history, RoomMessagesResponse), history
        bodies = [getattr(event, "body", None) for event in history.chunk]
        assert bodies.index("après") < bodies.index("avant")  # newest first
    finally:
        await again.close()

    whoami = server.request_json(
        "GET", "/_matrix/client/v3/account/whoami", access_token=carol.access_token
    )
    assert whoami["user_id"] == carol.user_id
