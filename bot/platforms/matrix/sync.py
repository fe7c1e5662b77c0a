"""The sync loop: long-poll the homeserver, hand each room's new events to its worker.

* The sync token lives in the database (`SyncProgress` decides which token is safe to store).
* Without a stored token the first sync only learns the state: old messages are not replayed.
* A `limited` timeline (a burst larger than the filter's limit) is back-filled with
  `/messages` down to the previous token, so no event is skipped.
* Events older than start-up (minus `catch_up` when resuming) or than the bot's own join to the
  room are dropped.
* When the homeserver goes away the loop backs off and reconnects; nothing is lost because the
  next sync starts from the last token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nio import (
    Event,
    MegolmEvent,
    MessageDirection,
    RoomMemberEvent,
    RoomMessagesResponse,
    SyncError,
    SyncResponse,
)

from bot.platforms.matrix.client import (
    TRANSIENT_ERRORS,
    Backoff,
    MatrixClient,
    MatrixError,
    is_rate_limited,
)
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.dm import invite_of
from bot.platforms.matrix.state import AdapterState, SyncProgress

log = logging.getLogger(__name__)
MAX_BACKFILL_PAGES = 50


@dataclass(frozen=True, slots=True)
class RoomWork:
    """New events of one room from one sync, or an invite to consider."""

    room_id: str
    events: tuple[Event, ...] = ()
    invite: tuple[str, bool] | None = None  # (inviter, is_direct)


def after_own_join(events: Sequence[Event], bot_user_id: str) -> list[Event]:
    """Only the events after the bot (last) joined the room, if its join is among them."""
    start = 0
    for index, event in enumerate(events):
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == bot_user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        ):
            start = index + 1
    return list(events[start:])


def sync_filter(timeline_limit: int) -> dict[str, Any]:
    """A filter with a large timeline limit and no presence."""
    return {
        "room": {"timeline": {"limit": timeline_limit}},
        "presence": {"not_types": ["*"]},
    }


class SyncLoop:
    """Runs syncs until cancelled; `submit` receives each room's work with its batch."""

    def __init__(
        self,
        client: MatrixClient,
        state: AdapterState,
        config: MatrixConfig,
        submit: Callable[[RoomWork, Any], None],
        progress: SyncProgress,
    ) -> None:
        self.client = client
        self.state = state
        self.config = config
        self.submit = submit
        self.progress = progress
        self.ready = asyncio.Event()
        self.token_key = config.state_key("sync")
        self._saved: str | None = None
        self._dirty = asyncio.Event()
        self.backfilled = 0  # events recovered after limited syncs (observability, tests)

    async def run(self) -> None:
        """Sync forever (until cancelled), reconnecting with backoff."""
        token = await self.state.get(self.token_key)
        self._saved = token
        fresh = token is None
        cutoff_ms = int(time.time() * 1000) - (
            0 if fresh else int(self.config.catch_up.total_seconds() * 1000)
        )
        backoff = Backoff(self.config.backoff_initial, self.config.backoff_max)
        first = True
        saver = asyncio.create_task(self._save_tokens(), name="matrix token saver")
        try:
            while True:
                response = await self._sync(token, first, backoff)
                if response is None:
                    continue
                backoff.reset()
                if first and fresh:
                    works = self._invites(response)  # the backlog is swallowed
                else:
                    works = await self._works(response, token, cutoff_ms)
                batch = self.progress.add(response.next_batch, len(works))
                for work in works:
                    self.submit(work, batch)
                self._dirty.set()
                try:  # while the workers answer (a send to an encrypted room queries keys itself)
                    await self.client.maintain_keys()
                except MatrixError as error:  # encryption upkeep is retried after the next sync
                    log.warning("matrix: key maintenance failed: %s", error)
                token, first = response.next_batch, False
                self.ready.set()
        finally:
            saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver

    async def _sync(self, token: str | None, first: bool, backoff: Backoff) -> SyncResponse | None:
        nio = self.client.nio
        try:
            response = await nio.sync(
                timeout=0 if first else self.config.sync_timeout_ms,
                sync_filter=sync_filter(self.config.timeline_limit),
                since=token,
                full_state=True if first else None,
            )
        except TRANSIENT_ERRORS as error:
            wait = backoff.next()
            log.warning("matrix sync: homeserver unreachable (%r), retry in %.1f s", error, wait)
            await asyncio.sleep(wait)
            return None
        if isinstance(response, SyncResponse):
            return response
        assert isinstance(response, SyncError)
        if is_rate_limited(response):
            await asyncio.sleep((response.retry_after_ms or 5000) / 1000)
            return None
        status = getattr(response.transport_response, "status", None)
        if response.status_code in {"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_FORBIDDEN"}:
            raise MatrixError("sync", response.status_code, response.message, status)
        wait = backoff.next()
        log.warning("matrix sync failed (%s), retry in %.1f s", response, wait)
        await asyncio.sleep(wait)
        return None

    def _invites(self, response: SyncResponse) -> list[RoomWork]:
        works = []
        for room_id, info in response.rooms.invite.items():
            invite = invite_of(info.invite_state, self.client.user_id)
            if invite is not None:
                works.append(RoomWork(room_id, invite=invite))
        return works

    async def _works(
        self, response: SyncResponse, token: str | None, cutoff_ms: int
    ) -> list[RoomWork]:
        works = self._invites(response)
        for room_id, info in response.rooms.join.items():
            events = list(info.timeline.events)
            joined_now = after_own_join(events, self.client.user_id)
            if len(joined_now) < len(events):
                events = joined_now  # history from before the bot joined is not for it
            elif info.timeline.limited and token and info.timeline.prev_batch:
                events = await self._backfill(room_id, info.timeline.prev_batch, token) + events
                events = after_own_join(events, self.client.user_id)
            events = [e for e in events if e.server_timestamp >= cutoff_ms]
            for event in events:  # the adapter answers them (unreadable.py)
                if isinstance(event, MegolmEvent):
                    log.warning(
                        "matrix: undecryptable event",
                        extra={"event": event.event_id, "room": room_id},
                    )
            if events:
                works.append(RoomWork(room_id, tuple(events)))
        return works

    async def _backfill(self, room_id: str, prev_batch: str, since: str) -> list[Event]:
        """The events a limited sync skipped: from `prev_batch` back to the previous token."""
        nio = self.client.nio
        collected: list[Event] = []
        start = prev_batch
        for _ in range(MAX_BACKFILL_PAGES):
            try:
                page = await self.client.call(
                    lambda s=start: nio.room_messages(  # type: ignore[misc]
                        room_id, start=s, end=since, direction=MessageDirection.back, limit=100
                    ),
                    "room_messages",
                )
            except MatrixError as error:
                log.error("matrix: back-fill stopped, some events may be missed: %s", error)
                break
            assert isinstance(page, RoomMessagesResponse)
            collected.extend(page.chunk)
            if not page.chunk or not page.end or page.end == start:
                break
            start = page.end
        log.info("matrix: back-filled %d event(s) after a limited sync", len(collected))
        self.backfilled += len(collected)
        collected.reverse()
        return collected

    async def _save_tokens(self) -> None:
        """Store the safe token shortly after it moves, coalescing bursts of syncs.

        Writing after every sync would compete with the handlers' transactions (SQLite has
        one writer); a replay after a crash is harmless since events are deduplicated.
        """
        while True:
            await self._dirty.wait()
            await asyncio.sleep(self.config.token_save_delay)
            self._dirty.clear()
            await self.save_token()

    def work_done(self, batch: Any) -> None:
        """A work item is finished: its token may now be safe to store."""
        self.progress.done(batch)
        self._dirty.set()

    async def save_token(self) -> None:
        """Store the newest safe token (no-op when unchanged)."""
        token = self.progress.safe_token
        if token is not None and token != self._saved:
            await self.state.put(self.token_key, token)
            self._saved = token
