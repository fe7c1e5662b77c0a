"""The emulator's change notifications: waiters for one chat wake only for that chat's
changes and for changes about nothing in particular; waiters without a chat wake for all."""

from __future__ import annotations

import asyncio

import pytest

from tests.telegram_emulator.notify import Notifier

pytestmark = pytest.mark.asyncio


async def test_keyed_and_unkeyed_waiters() -> None:
    notifier = Notifier()
    checks: dict[str, int] = {"chat 1": 0, "chat 2": 0, "anything": 0}
    done: dict[str, bool] = {"chat 1": False, "chat 2": False, "anything": False}

    def predicate(name: str):  # type: ignore[no-untyped-def]
        def check() -> bool:
            checks[name] += 1
            return done[name]

        return check

    waiters = [
        asyncio.create_task(notifier.wait_until(predicate("chat 1"), 5, 1)),
        asyncio.create_task(notifier.wait_until(predicate("chat 2"), 5, 2)),
        asyncio.create_task(notifier.wait_until(predicate("anything"), 5)),
    ]
    await asyncio.sleep(0)
    assert checks == {"chat 1": 1, "chat 2": 1, "anything": 1}

    notifier.notify(1)  # about chat 1: chat 2's waiter sleeps on
    await asyncio.sleep(0.01)
    assert checks == {"chat 1": 2, "chat 2": 1, "anything": 2}

    notifier.notify("updates")  # about the update queue: no chat waiter wakes
    await asyncio.sleep(0.01)
    assert checks == {"chat 1": 2, "chat 2": 1, "anything": 3}

    done["chat 2"] = True
    notifier.notify()  # about anything: everybody checks
    await asyncio.sleep(0.01)
    assert checks == {"chat 1": 3, "chat 2": 2, "anything": 4}
    assert waiters[1].done() and waiters[1].result() is True

    done["chat 1"] = done["anything"] = True
    notifier.notify(1)
    assert await asyncio.wait_for(waiters[0], 1) is True
    assert await asyncio.wait_for(waiters[2], 1) is True
