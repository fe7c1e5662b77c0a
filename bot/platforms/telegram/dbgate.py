"""Write transactions queued in the event loop rather than in SQLite's busy handler.

SQLite lets one writer at a time; the others retry in its busy handler, sleeping 1, 2, 5 ...
up to 100 ms between tries, so a dozen concurrent updates spend most of their time asleep.
Queueing them on an asyncio lock instead hands the database over the moment it is free, while
the network work of other updates (answers, edits) still overlaps. PostgreSQL needs no gate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.storage.uow import Database


class DatabaseGate:
    """`async with gate:` around a unit of work that writes."""

    def __init__(self, db: Database) -> None:
        self.exclusive = db.engine.dialect.name == "sqlite"
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold the gate (a no-op on databases with concurrent writers)."""
        if not self.exclusive:
            yield
            return
        async with self._lock:
            yield
