"""One worker per room: a room's events are handled in order, different rooms in parallel.

The sync loop never waits for handlers (a slow reply or a 429 in one room must not delay the
others, nor the sync that a DM being opened is waiting for). Each work item reports back when
it is finished, whatever happened, so the sync token can advance.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.platforms.matrix.sync import RoomWork

log = logging.getLogger(__name__)


class RoomWorkers:
    """Per-room queues drained by short-lived tasks."""

    def __init__(
        self, handle: Callable[[RoomWork], Awaitable[None]], done: Callable[[Any], None]
    ) -> None:
        self._handle = handle
        self._done = done
        self._queues: dict[str, asyncio.Queue[tuple[RoomWork, Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, work: RoomWork, batch: Any) -> None:
        """Queue work for its room, starting the room's worker if it is idle."""
        queue = self._queues.get(work.room_id)
        if queue is None:
            queue = asyncio.Queue()
            self._queues[work.room_id] = queue
            task = asyncio.create_task(self._drain(work.room_id, queue), name="matrix room")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.put_nowait((work, batch))

    async def _drain(self, room_id: str, queue: asyncio.Queue[tuple[RoomWork, Any]]) -> None:
        while True:
            try:
                work, batch = queue.get_nowait()
            except asyncio.QueueEmpty:
                del self._queues[room_id]
                return
            try:
                await self._handle(work)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("matrix: handling a room's events failed", extra={"room": room_id})
            finally:
                self._done(batch)

    @property
    def busy(self) -> bool:
        """True while some room still has work."""
        return bool(self._tasks)

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """Let queued work finish (up to `timeout` seconds), then cancel what is left."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
