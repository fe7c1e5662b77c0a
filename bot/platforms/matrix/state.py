"""Durable adapter state in the database: sync token, device id, menus posted by the bot."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from bot.platforms import actions as codec
from bot.platforms.ports import Action
from bot.storage.conversations import AdapterStateRepository
from bot.storage.tables import KeyValueRow
from bot.storage.uow import Database


class AdapterState:
    """Small key/value state of the Matrix adapter (the database is the truth)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        """Read a value."""
        async with self.db.uow() as uow:
            return await AdapterStateRepository(uow.session).get(key)

    async def put(self, key: str, value: str) -> None:
        """Write a value (committed at once)."""
        async with self.db.uow() as uow:
            await AdapterStateRepository(uow.session).put(key, value, self.db.clock.now())
            await uow.commit()

    async def forget_older(self, prefix: str, age: timedelta) -> None:
        """Delete the values under a key prefix not written for `age`."""
        async with self.db.uow() as uow:
            await uow.session.execute(
                delete(KeyValueRow).where(
                    KeyValueRow.key.startswith(prefix, autoescape=True),
                    KeyValueRow.updated_at < self.db.clock.now() - age,
                )
            )
            await uow.commit()


class MenuStore:
    """The choices under each bot message, so a reaction `2️⃣` presses the right one."""

    def __init__(self, state: AdapterState) -> None:
        self.state = state

    PREFIX = "matrix:menu:"
    #: Menus older than this are forgotten at start-up (reacting to them does nothing).
    KEEP = timedelta(days=60)

    @classmethod
    def _key(cls, event_id: str) -> str:
        return f"{cls.PREFIX}{event_id}"[:128]

    async def prune(self) -> None:
        """Forget old menus."""
        await self.state.forget_older(self.PREFIX, self.KEEP)

    async def remember(self, event_id: str, actions: list[Action]) -> None:
        """Record the actions of a message's numbered choices."""
        encoded = [codec.encode(action) for action in actions]
        await self.state.put(self._key(event_id), json.dumps(encoded))

    async def choice(self, event_id: str, number: int) -> Action | None:
        """The action behind choice `number` of a message, if it has one."""
        raw = await self.state.get(self._key(event_id))
        if raw is None:
            return None
        encoded = json.loads(raw)
        if not 1 <= number <= len(encoded):
            return None
        try:
            return codec.decode(encoded[number - 1])
        except codec.ActionCodecError:
            return None


@dataclass(slots=True)
class _Batch:
    token: str
    pending: int


class SyncProgress:
    """Which sync tokens are safe to store: a token only once every event before it is done.

    Events of one sync are handled by per-room workers in parallel; a batch's token becomes
    durable only when that batch and all earlier ones are finished, so a crash replays events
    (deduplicated by their event key) rather than losing them.
    """

    def __init__(self) -> None:
        self._batches: deque[_Batch] = deque()
        self._safe: str | None = None

    def add(self, token: str, pending: int) -> _Batch:
        """Register a sync's token and how many work items it produced."""
        batch = _Batch(token, pending)
        self._batches.append(batch)
        self._advance()
        return batch

    def done(self, batch: _Batch) -> None:
        """One work item of `batch` is finished (handled, ignored or failed)."""
        batch.pending -= 1
        self._advance()

    def _advance(self) -> None:
        while self._batches and self._batches[0].pending <= 0:
            self._safe = self._batches.popleft().token

    @property
    def safe_token(self) -> str | None:
        """The newest token whose events are all handled."""
        return self._safe

    @property
    def idle(self) -> bool:
        """True when no work item is outstanding."""
        return not self._batches
