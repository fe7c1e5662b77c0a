"""Event-based change notification: waiters sleep until something changes, no polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """Wakes every waiter when :meth:`notify` is called.

    Waiters re-evaluate their predicate after each notification, so a predicate only needs to
    be cheap and side-effect free.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Signal a change to all current waiters."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(
        self, predicate: Callable[[], T | None], timeout: float | None  # noqa: ASYNC109
    ) -> T:
        """Return the first truthy value of ``predicate()``.

        Raises :class:`TimeoutError` after ``timeout`` seconds (``None`` waits forever).
        """
        async with asyncio.timeout(timeout):
            while True:
                event = self._event
                value = predicate()
                if value:
                    return value
                await event.wait()
