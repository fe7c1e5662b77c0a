"""Event-based change notification: waiters sleep until something changes, no polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """Wakes waiters when :meth:`notify` is called.

    Waiters re-evaluate their predicate after each notification, so a predicate only needs to
    be cheap and side-effect free. A change may name what it is about (a chat id, "updates"):
    waiters that named a key wake only for changes about that key or about nothing in
    particular, so a thousand people each waiting for their own chat do not all wake for
    every message (benchmarks); waiters without a key wake for every change.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._keyed: dict[Hashable, asyncio.Event] = {}

    def notify(self, key: Hashable | None = None) -> None:
        """Signal a change (about ``key``, or about anything) to the waiters concerned."""
        event, self._event = self._event, asyncio.Event()
        event.set()
        if key is None:
            keyed, self._keyed = self._keyed, {}
            for waiting in keyed.values():
                waiting.set()
        else:
            waiting = self._keyed.pop(key, None)
            if waiting is not None:
                waiting.set()

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float | None,  # noqa: ASYNC109
        key: Hashable | None = None,
    ) -> T:
        """Return the first truthy value of ``predicate()``.

        Raises :class:`TimeoutError` after ``timeout`` seconds (``None`` waits forever).
        With a ``key``, the predicate must only depend on changes about that key.
        """
        async with asyncio.timeout(timeout):
            while True:
                if key is None:
                    event = self._event
                else:
                    event = self._keyed.get(key) or self._keyed.setdefault(key, asyncio.Event())
                value = predicate()
                if value:
                    return value
                await event.wait()
