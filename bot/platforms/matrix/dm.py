"""Direct messages: which rooms are DMs, accepting invites, opening a DM per member.

A room is a DM with a person when it is recorded under that person in the bot's `m.direct`
account data *and* nobody else is in it (a DM that grew to three people is no longer private,
so ballots are not collected there). The bot records a room there when it accepts an invite
flagged `is_direct` or opens a DM itself. nio has no `m.direct` setter: it is a raw PUT.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from urllib.parse import quote

from nio import (
    DirectRoomsResponse,
    InviteMemberEvent,
    MatrixRoom,
    RoomCreateResponse,
    RoomPreset,
)

from bot.platforms.matrix.client import MatrixClient, MatrixError
from bot.platforms.matrix.config import MatrixConfig

log = logging.getLogger(__name__)
ENCRYPTION_STATE = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


def is_private_with(room: MatrixRoom, bot_user_id: str, user_id: str) -> bool:
    """Nobody but the bot and `user_id` is in (or invited to) the room."""
    members = set(room.users) | set(room.invited_users)
    return members <= {bot_user_id, user_id} and user_id in members


def invite_of(events: Iterable[object], bot_user_id: str) -> tuple[str, bool] | None:
    """`(inviter, is_direct)` from an invited room's stripped state, if it invites the bot."""
    for event in events:
        if (
            isinstance(event, InviteMemberEvent)
            and event.state_key == bot_user_id
            and event.membership == "invite"
        ):
            return event.sender, bool(event.content.get("is_direct"))
    return None


class DirectRooms:
    """The bot's DMs, kept in `m.direct` on the homeserver and cached here."""

    def __init__(self, client: MatrixClient, config: MatrixConfig) -> None:
        self.client = client
        self.config = config
        self._by_room: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self._opening: dict[str, asyncio.Lock] = {}

    async def load(self) -> None:
        """Read `m.direct` (an account that never had DMs has none)."""
        try:
            response = await self.client.call(
                self.client.nio.list_direct_rooms, "list_direct_rooms"
            )
        except MatrixError as error:
            if error.errcode == "M_NOT_FOUND":
                return
            raise
        if isinstance(response, DirectRoomsResponse):
            self._by_room = {
                room_id: user for user, rooms in response.rooms.items() for room_id in rooms
            }

    def user_of(self, room_id: str) -> str | None:
        """The person a DM is with, if the room is recorded as one."""
        return self._by_room.get(room_id)

    def is_dm_with(self, room: MatrixRoom, user_id: str) -> bool:
        """Whether a message from `user_id` in `room` is a private conversation with the bot."""
        return self._by_room.get(room.room_id) == user_id and is_private_with(
            room, self.client.user_id, user_id
        )

    async def accept_invite(self, room_id: str, inviter: str, is_direct: bool) -> bool:
        """Join if the inviter's homeserver is allowed and it is a DM or a configured room."""
        wanted = is_direct or room_id in self.config.group_rooms
        if not (self.config.allows(inviter) and wanted):
            log.info("matrix invite declined", extra={"room": room_id})
            await self.client.call(lambda: self.client.nio.room_leave(room_id), "decline")
            return False
        await self.client.call(lambda: self.client.nio.join(room_id), "join")
        if is_direct:
            await self.record(inviter, room_id)
        log.info("matrix invite accepted", extra={"room": room_id})
        return True

    async def record(self, user_id: str, room_id: str) -> None:
        """Add a DM to `m.direct` (the whole map is written: the API has no partial update)."""
        async with self._lock:
            if self._by_room.get(room_id) == user_id:
                return
            self._by_room[room_id] = user_id
            direct: dict[str, list[str]] = {}
            for room, user in self._by_room.items():
                direct.setdefault(user, []).append(room)
            await self._put_direct(direct)

    async def _put_direct(self, direct: dict[str, list[str]]) -> None:
        nio = self.client.nio
        path = (
            f"/_matrix/client/v3/user/{quote(self.client.user_id, safe='')}/account_data/m.direct"
        )
        headers = {
            "Authorization": f"Bearer {nio.access_token}",
            "Content-Type": "application/json",
        }

        async def put() -> int:
            response = await nio.send("PUT", path, json.dumps(direct), headers=headers)
            async with response:
                if response.status == 429 or response.status >= 500:
                    raise TimeoutError(f"m.direct: HTTP {response.status}")
                return int(response.status)

        status = await self.client.call(put, "m.direct")
        if status != 200:
            raise MatrixError("m.direct", None, "refused", status)

    def existing(self, user_id: str) -> str | None:
        """A DM room with `user_id` the bot is still in, if any."""
        rooms = self.client.nio.rooms
        for room_id, user in self._by_room.items():
            room = rooms.get(room_id)
            if (
                user == user_id
                and room is not None
                and is_private_with(room, self.client.user_id, user_id)
            ):
                return room_id
        return None

    async def open(self, user_id: str, wait_for_sync: float = 10.0) -> str:
        """The DM room with `user_id`, created (and invited) when there is none yet."""
        lock = self._opening.setdefault(user_id, asyncio.Lock())
        async with lock:
            found = self.existing(user_id)
            if found:
                return found
            encrypted = self.config.encrypt_new_dms and self.client.nio.olm is not None
            response = await self.client.call(
                lambda: self.client.nio.room_create(
                    is_direct=True,
                    preset=RoomPreset.trusted_private_chat,
                    invite=[user_id],
                    initial_state=[ENCRYPTION_STATE] if encrypted else [],
                ),
                "room_create",
            )
            assert isinstance(response, RoomCreateResponse)
            room_id = str(response.room_id)
            await self.record(user_id, room_id)
            await self._until_synced(room_id, user_id, wait_for_sync)
            return room_id

    async def _until_synced(self, room_id: str, user_id: str, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the sync loop has seen the new room and the invite (needed to encrypt)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            room = self.client.nio.rooms.get(room_id)
            if room is not None and user_id in room.users:
                return
            await asyncio.sleep(0.02)
        raise MatrixError("open_dm", None, "the new room did not show up in sync")
