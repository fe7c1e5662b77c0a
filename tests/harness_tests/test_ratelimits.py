"""Synapse's default rate limits surface as M_LIMIT_EXCEEDED with max_limit_exceeded=0."""

from __future__ import annotations

from nio import RoomCreateResponse, RoomSendError, RoomSendResponse

from tests.matrix_harness.clients import make_client
from tests.matrix_harness.pytest_plugin import ServerFactory


async def test_default_limits_hit_after_burst_then_override(
    synapse_factory: ServerFactory,
) -> None:
    server = synapse_factory(rate_limits="default")
    user = server.register("spammer", "spammer-password")
    client = await make_client(server.base_url, user)
    try:
        created = await client.room_create(name="burst")
        assert isinstance(created, RoomCreateResponse), created
        room_id = created.room_id

        sent = 0
        error: RoomSendError | None = None
        for index in range(15):
            response = await client.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": f"msg {index}"}
            )
            if isinstance(response, RoomSendError):
                error = response
                break
            sent += 1
        assert error is not None, f"no rate limit after {sent} messages"
        assert error.status_code == "M_LIMIT_EXCEEDED"
        assert error.retry_after_ms is not None and error.retry_after_ms > 0
        assert 5 <= sent <= 10

        server.override_ratelimit(user.user_id)
        for index in range(5):
            response = await client.room_send(
                room_id, "m.room.message", {"msgtype": "m.text", "body": f"after {index}"}
            )
            assert isinstance(response, RoomSendResponse), response
    finally:
        await client.close()
