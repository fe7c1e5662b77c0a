"""A durable inbox of received updates, so a crash of Parvis never loses one.

Telegram forgets an update as soon as the bot asks for the next batch (getUpdates `offset`)
or answers the webhook with 200, and PTB's updater asks for the next batch while the current
one is still being handled. So each batch is written to the database *before* it is
confirmed, and forgotten once every update in it was handled. At start-up, batches left by a
crash are handled again; the dispatcher's processed-event keys make that replay harmless for
the updates that had been handled already.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, text
from telegram.request import BaseRequest, RequestData

from bot.platforms.telegram.dbgate import DatabaseGate
from bot.platforms.telegram.inbound import slim_update
from bot.storage.conversations import AdapterStateRepository
from bot.storage.tables import KeyValueRow
from bot.storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
JANITOR_PERIOD = 1.0


async def _without_waiting_for_disk(uow: UnitOfWork) -> None:
    """PostgreSQL: commit without waiting for the WAL to reach the disk.

    The inbox guards against Parvis crashing, and a row committed this way survives that (the
    server has it). Only a crash of the database server itself within a fraction of a second
    could lose it, and the ballots themselves are still committed synchronously. It saves an
    fsync per batch: measured, the difference between 25 and ~50 votes/s on this VM.
    """
    if uow.dialect == "postgresql":
        await uow.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


class UpdateInbox:
    """Batches of raw updates kept in `adapter_state` until handled."""

    def __init__(self, db: Database, bot_id: int, gate: DatabaseGate | None = None) -> None:
        self.db = db
        self.gate = gate or DatabaseGate(db)
        self.prefix = f"telegram:{bot_id}:inbox:"
        self._batches: dict[str, set[int]] = {}
        self._batch_of: dict[int, str] = {}
        self._finished: list[str] = []
        self._wake = asyncio.Event()

    async def hold(self, updates: Sequence[dict[str, Any]], attempts: int = 0) -> None:
        """Write a batch durably (before it is confirmed to Telegram)."""
        ids = {int(u["update_id"]) for u in updates}
        if not ids:
            return
        key = f"{self.prefix}{min(ids)}"
        value = json.dumps({"attempts": attempts, "updates": list(updates)}, ensure_ascii=False)
        async with self.gate.writing(), self.db.uow() as uow:
            await _without_waiting_for_disk(uow)
            await AdapterStateRepository(uow.session).put(key, value, self.db.clock.now())
            await uow.commit()
        self._batches[key] = set(ids) | self._batches.get(key, set())
        for update_id in ids:
            self._batch_of[update_id] = key

    def done(self, update_id: int) -> None:
        """An update was handled; its batch is forgotten once all of it was."""
        key = self._batch_of.pop(update_id, None)
        if key is None:
            return
        remaining = self._batches.get(key)
        if remaining is None:
            return
        remaining.discard(update_id)
        if not remaining:
            del self._batches[key]
            self._finished.append(key)
            self._wake.set()

    @property
    def pending(self) -> int:
        """Updates held but not handled yet."""
        return len(self._batch_of)

    async def leftovers(self) -> list[dict[str, Any]]:
        """Updates of batches a previous run did not finish, held again as one batch."""
        async with self.db.uow() as uow:
            rows = list(
                await uow.session.scalars(
                    select(KeyValueRow).where(KeyValueRow.key.startswith(self.prefix))
                )
            )
            await uow.session.execute(
                delete(KeyValueRow).where(KeyValueRow.key.in_([r.key for r in rows]))
            )
            await uow.commit()
        updates: dict[int, dict[str, Any]] = {}
        attempts = 0
        for row in rows:
            batch = json.loads(row.value)
            if batch["attempts"] + 1 >= MAX_ATTEMPTS:
                log.error(
                    "dropping %d updates that failed %d times", len(batch["updates"]), MAX_ATTEMPTS
                )
                continue
            attempts = max(attempts, batch["attempts"] + 1)
            for item in batch["updates"]:
                updates[int(item["update_id"])] = item
        ordered = [updates[k] for k in sorted(updates)]
        if ordered:
            await self.hold(ordered, attempts)
        return ordered

    async def forget_finished(self) -> None:
        """Delete the batches that were handled completely."""
        keys, self._finished = self._finished, []
        if not keys:
            return
        async with self.gate.writing(), self.db.uow() as uow:
            await _without_waiting_for_disk(uow)
            await uow.session.execute(delete(KeyValueRow).where(KeyValueRow.key.in_(keys)))
            await uow.commit()

    async def run_janitor(self, stop: asyncio.Event) -> None:
        """Forget finished batches in the background, coalescing deletions."""
        while not stop.is_set():
            waker = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waker.cancel()
            stopper.cancel()
            self._wake.clear()
            try:
                await self.forget_finished()
            except Exception:
                log.exception("could not forget handled update batches (they will be replayed)")
            with contextlib.suppress(TimeoutError):  # coalesce: at most one deletion a second
                await asyncio.wait_for(stop.wait(), JANITOR_PERIOD)
        await self.forget_finished()


class InboxRequest(BaseRequest):
    """The getUpdates transport: holds each non-empty batch in the inbox before returning it,
    i.e. before PTB's updater can confirm it with its next getUpdates call.

    Updates are held and handed to PTB slimmed (`slim_update`), and the batch is parsed once:
    PTB gets back the object parsed here instead of decoding the same bytes again."""

    def __init__(self, inner: BaseRequest, inbox: UpdateInbox) -> None:
        self.inner = inner
        self.inbox = inbox
        self._parsed: tuple[bytes, dict[str, Any]] | None = None

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's read timeout."""
        return self.inner.read_timeout

    async def initialize(self) -> None:
        """Initialise the wrapped request."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Shut the wrapped request down."""
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Forward the request; keep the updates of a successful getUpdates."""
        status, payload = await self.inner.do_request(
            url,
            method,
            request_data,
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
        )
        self._parsed = None
        if status == 200 and url.endswith("/getUpdates"):
            answer = self.parse_json_payload(payload)
            result = answer.get("result")
            if isinstance(result, list) and result:
                slim = [slim_update(u) if isinstance(u, dict) else u for u in result]
                await self.inbox.hold(slim)
                answer = {**answer, "result": slim}
            self._parsed = (payload, answer)
        return status, payload

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """The answer `do_request` parsed already (same bytes), else PTB's parsing."""
        parsed = self._parsed
        if parsed is not None and parsed[0] is payload:
            self._parsed = None
            return parsed[1]
        return BaseRequest.parse_json_payload(payload)
