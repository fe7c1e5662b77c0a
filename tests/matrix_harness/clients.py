"""Async helpers around real matrix-nio clients talking to a ``SynapseServer``.

* ``make_client``: an ``AsyncClient`` logged in with the registration token (no ``/login``).
* ``start_sync``: run the client's sync loop as a task, collect events in an ``Inbox``.
* ``create_dm`` / ``set_direct_rooms``: direct chats, with the ``m.direct`` account data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nio import (
    AsyncClient,
    AsyncClientConfig,
    DirectRoomsResponse,
    InviteMemberEvent,
    JoinError,
    KeysUploadError,
    MatrixRoom,
    RoomCreateError,
    RoomMemberEvent,
    RoomPreset,
)

from .server import MatrixUser

#: Long-poll timeout of the background sync loop, in milliseconds.
SYNC_TIMEOUT_MS = 10_000
#: Synapse returns only 10 timeline events per room per sync by default; bursts get truncated.
DEFAULT_TIMELINE_LIMIT = 100


def client_config(encryption: bool = False, **overrides: Any) -> AsyncClientConfig:
    """nio config for tests: fail fast on 429s and connection errors, never retry forever.

    ``max_timeouts=2`` gives up after about 0.2 s without a homeserver; a test that restarts
    the server under a running sync loop can pass e.g. ``max_timeouts=None`` (see
    ``patient_config``). ``overrides`` go to ``AsyncClientConfig`` as they are.
    """
    settings: dict[str, Any] = {
        "max_limit_exceeded": 0,
        "max_timeouts": 2,
        "encryption_enabled": encryption,
        "store_sync_tokens": encryption,
    }
    settings.update(overrides)
    return AsyncClientConfig(**settings)


def patient_config(encryption: bool = False) -> AsyncClientConfig:
    """Config for clients that must outlive a homeserver restart: retry connection errors
    forever, at most 0.5 s apart (429s still fail fast)."""
    return client_config(
        encryption, max_timeouts=None, backoff_factor=0.05, max_timeout_retry_wait_time=0.5
    )


async def make_client(
    base_url: str,
    user: MatrixUser,
    *,
    store_dir: str | Path | None = None,
    encryption: bool = False,
    config: AsyncClientConfig | None = None,
) -> AsyncClient:
    """Return an ``AsyncClient`` for ``user``, logged in with its registration token.

    With ``encryption=True`` a ``store_dir`` is required: the Olm account lives there, and the
    device keys are uploaded before returning. ``config`` replaces ``client_config(encryption)``.
    Close the client with ``await client.close()``.
    """
    if encryption and store_dir is None:
        raise ValueError("an encrypted client needs a store_dir")
    store_path = ""
    if store_dir is not None:
        await asyncio.to_thread(Path(store_dir).mkdir, parents=True, exist_ok=True)
        store_path = str(store_dir)
    client = AsyncClient(
        base_url,
        user.user_id,
        device_id=user.device_id,
        store_path=store_path,
        config=config or client_config(encryption),
    )
    client.restore_login(user.user_id, user.device_id, user.access_token)
    if encryption and client.should_upload_keys:
        response = await client.keys_upload()
        if isinstance(response, KeysUploadError):
            await client.close()
            raise RuntimeError(f"keys_upload failed for {user.user_id}: {response}")
    return client


@dataclass(frozen=True)
class Received:
    """One event delivered to a client by sync (timeline or invite state)."""

    room_id: str
    event: Any

    @property
    def type(self) -> str:
        """The Matrix event type after decryption (e.g. ``m.room.message``)."""
        source = getattr(self.event, "source", None) or {}
        return str(source.get("type", ""))

    @property
    def content(self) -> dict[str, Any]:
        """The event content (decrypted, for events of encrypted rooms)."""
        source = getattr(self.event, "source", None) or {}
        return dict(source.get("content", {}))

    @property
    def sender(self) -> str:
        """The user id of the sender."""
        return str(getattr(self.event, "sender", ""))


Predicate = Callable[[Received], bool]


class Inbox:
    """Events collected from a client's sync loop; ``wait_for`` blocks on a condition."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._changed = asyncio.Condition()
        self._failure: BaseException | None = None

    async def add(self, room_id: str, event: Any) -> None:
        """Record an event and wake up the waiters."""
        async with self._changed:
            self.received.append(Received(room_id, event))
            self._changed.notify_all()

    async def fail(self, error: BaseException) -> None:
        """Record that the sync loop died, so waiters stop waiting for events that won't come."""
        async with self._changed:
            self._failure = error
            self._changed.notify_all()

    def find(self, predicate: Predicate) -> Received | None:
        """The first already received event matching ``predicate``, if any."""
        return next((item for item in self.received if predicate(item)), None)

    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 5.0,  # noqa: ASYNC109 - a timeout argument reads best in tests
    ) -> Received:
        """Return the first received event matching ``predicate``, waiting up to ``timeout`` s.

        Events received before the call count. Raises ``AssertionError`` on timeout (listing what
        was received) or if the sync loop died.
        """
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(
                    lambda: self.find(predicate) is not None or self._failure is not None
                )
        except TimeoutError:
            seen = [(item.room_id, item.type, item.sender) for item in self.received[-20:]]
            raise AssertionError(
                f"no matching event within {timeout} s; last received: {seen}"
            ) from None
        found = self.find(predicate)
        if found is None:
            raise AssertionError(f"sync loop died: {self._failure!r}") from self._failure
        return found


def member_joined(room_id: str, user_id: str) -> Predicate:
    """Predicate for ``Inbox.wait_for``: ``user_id`` joined ``room_id``."""

    def predicate(item: Received) -> bool:
        event = item.event
        return (
            item.room_id == room_id
            and isinstance(event, RoomMemberEvent)
            and event.state_key == user_id
            and event.membership == "join"
        )

    return predicate


@dataclass
class SyncedClient:
    """A client whose sync loop runs in a background task, feeding ``inbox``."""

    client: AsyncClient
    inbox: Inbox
    task: asyncio.Task[None] | None = None
    join_errors: list[JoinError] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        """The client's user id."""
        return str(self.client.user_id)

    async def stop(self) -> None:
        """Cancel the sync task (``stop_sync_forever`` would wait for the long-poll to end)."""
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def __aenter__(self) -> SyncedClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def start_sync(
    client: AsyncClient,
    *,
    auto_join: bool = True,
    timeline_limit: int = DEFAULT_TIMELINE_LIMIT,
    sync_timeout_ms: int = SYNC_TIMEOUT_MS,
) -> SyncedClient:
    """Start ``client.sync_forever`` in a task, with every synced event going to an ``Inbox``.

    One sync is done inline first, so the client's rooms are known when this returns (its
    timeline events land in the inbox too). With ``auto_join``, invites for this user are
    accepted as they arrive. Stop with ``await synced.stop()`` or ``async with``.
    Call it once per client: the inbox callback stays registered on the client.
    """
    inbox = Inbox()
    synced = SyncedClient(client, inbox)

    async def collect(room: MatrixRoom, event: Any) -> None:
        await inbox.add(room.room_id, event)
        if auto_join and _is_invite_for(client, event):
            response = await client.join(room.room_id)
            if isinstance(response, JoinError):
                synced.join_errors.append(response)

    client.add_event_callback(collect, None)  # type: ignore[arg-type]  # None = every event
    sync_filter = {"room": {"timeline": {"limit": timeline_limit}}}
    first = await client.sync(timeout=0, sync_filter=sync_filter, full_state=True)
    if not hasattr(first, "next_batch"):
        raise RuntimeError(f"initial sync failed for {client.user_id}: {first}")

    async def run() -> None:
        try:
            await client.sync_forever(timeout=sync_timeout_ms, sync_filter=sync_filter)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await inbox.fail(error)
            raise

    synced.task = asyncio.create_task(run(), name=f"sync {client.user_id}")
    return synced


def _is_invite_for(client: AsyncClient, event: Any) -> bool:
    return (
        isinstance(event, InviteMemberEvent)
        and event.state_key == client.user_id
        and event.membership == "invite"
    )


async def get_direct_rooms(client: AsyncClient) -> dict[str, list[str]]:
    """The user's ``m.direct`` account data (``{}`` if never set)."""
    response = await client.list_direct_rooms()
    if isinstance(response, DirectRoomsResponse):
        return {user: list(rooms) for user, rooms in response.rooms.items()}
    return {}


async def set_direct_rooms(client: AsyncClient, direct: dict[str, list[str]]) -> None:
    """Replace the user's ``m.direct`` account data (nio has a getter but no setter)."""
    path = f"/_matrix/client/v3/user/{quote(str(client.user_id), safe='')}/account_data/m.direct"
    response = await client.send(
        "PUT",
        path,
        json.dumps(direct),
        headers={
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        },
    )
    async with response:
        if response.status != 200:
            detail = await response.text()
            raise RuntimeError(f"setting m.direct failed: {response.status} {detail}")


async def create_dm(client: AsyncClient, other_user_id: str, *, encrypted: bool = False) -> str:
    """Create a direct chat with ``other_user_id`` (invited) and record it in ``m.direct``.

    Returns the room id. ``encrypted=True`` creates the room with ``m.room.encryption``.
    """
    initial_state = []
    if encrypted:
        initial_state.append(
            {
                "type": "m.room.encryption",
                "state_key": "",
                "content": {"algorithm": "m.megolm.v1.aes-sha2"},
            }
        )
    response = await client.room_create(
        is_direct=True,
        preset=RoomPreset.trusted_private_chat,
        invite=[other_user_id],
        initial_state=initial_state,
    )
    if isinstance(response, RoomCreateError):
        raise RuntimeError(f"creating a DM with {other_user_id} failed: {response}")
    direct = await get_direct_rooms(client)
    direct.setdefault(other_user_id, []).append(response.room_id)
    await set_direct_rooms(client, direct)
    return str(response.room_id)
