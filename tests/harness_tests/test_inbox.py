"""The Inbox on its own (no server): event-driven waits, timeouts, dead sync loops."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from tests.matrix_harness.clients import Inbox


def event(body: str) -> SimpleNamespace:
    """A stand-in for a nio event."""
    return SimpleNamespace(
        sender="@x:localhost", body=body, source={"type": "m.room.message", "content": {}}
    )


async def test_wait_for_wakes_up_on_a_later_event() -> None:
    inbox = Inbox()
    waiter = asyncio.create_task(inbox.wait_for(lambda item: item.event.body == "two"))
    await inbox.add("!r:localhost", event("one"))
    await asyncio.sleep(0)
    assert not waiter.done()
    await inbox.add("!r:localhost", event("two"))
    found = await asyncio.wait_for(waiter, 1)
    assert found.event.body == "two"
    assert found.type == "m.room.message"


async def test_wait_for_sees_events_received_before_the_call() -> None:
    inbox = Inbox()
    await inbox.add("!r:localhost", event("early"))
    found = await inbox.wait_for(lambda item: item.event.body == "early", timeout=0.1)
    assert found.room_id == "!r:localhost"


async def test_wait_for_times_out_with_what_was_seen() -> None:
    inbox = Inbox()
    await inbox.add("!r:localhost", event("other"))
    with pytest.raises(AssertionError, match=r"no matching event within 0\.05 s"):
        await inbox.wait_for(lambda item: item.event.body == "never", timeout=0.05)


async def test_wait_for_stops_when_the_sync_loop_dies() -> None:
    inbox = Inbox()
    waiter = asyncio.create_task(inbox.wait_for(lambda item: False, timeout=5))
    await asyncio.sleep(0)
    await inbox.fail(ConnectionError("homeserver went away"))
    with pytest.raises(AssertionError, match="sync loop died"):
        await asyncio.wait_for(waiter, 1)
