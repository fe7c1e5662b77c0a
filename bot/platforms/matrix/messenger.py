"""Sending to Matrix: the `Messenger` port (send, edit, send_direct) over nio.

Every send goes through `MatrixClient.call` with one transaction id, so a retry after a 429 or
a dropped connection never posts twice. Encrypted rooms get the device-trust policy applied
first (see `trust.py`). Menus are remembered per message so reactions can press them.
"""

from __future__ import annotations

import io
import logging
import uuid
from typing import Any

from nio import OlmUnverifiedDeviceError, RoomSendResponse, UploadResponse

from bot.platforms.matrix import outbound
from bot.platforms.matrix.client import MatrixClient, MatrixError
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.dm import DirectRooms
from bot.platforms.matrix.state import MenuStore
from bot.platforms.matrix.trust import send_ignoring_unverified, trust_room_devices
from bot.platforms.ports import Attachment, Capabilities, ChatRef, MessageRef, Screen

log = logging.getLogger(__name__)

PLATFORM = "matrix"
CAPABILITIES = Capabilities(
    buttons=False,
    edit_messages=True,
    ephemeral_notice=False,
    native_polls=True,  # room polls: `!poll post N` (room_polls.py, docs/matrix.md)
    reactions_as_input=True,
    max_text=outbound.CHUNK_CHARS,
    command_prefix="!",
)


class MatrixMessenger:
    """Posts screens in rooms, edits them, and opens DMs when needed."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(
        self, client: MatrixClient, dms: DirectRooms, menus: MenuStore, config: MatrixConfig
    ) -> None:
        self.client = client
        self.dms = dms
        self.menus = menus
        self.config = config

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen (split if long; attachments follow); the ref is its last text part.
        In a group room the screen's action buttons are left out (see `without_actions`)."""
        if not chat.is_direct:
            screen = outbound.without_actions(screen)
        last = ""
        for message in outbound.render_screen(screen):
            last = await self.send_content(chat.chat_key, message.content)
            if message.actions:
                await self.menus.remember(last, list(message.actions))
                await self._offer_reactions(chat.chat_key, last, len(message.actions))
        for attachment in screen.attachments:
            content = await self._upload(chat.chat_key, attachment)
            event_id = await self.send_content(chat.chat_key, content)
            last = last or event_id
        return MessageRef(chat, last)

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen with `m.replace` (a long new screen edits with its start)."""
        messages = outbound.render_screen(screen) or outbound.render_screen(
            Screen(text=screen.attachments[0].caption or screen.attachments[0].filename)
            if screen.attachments
            else Screen(text="…")
        )
        first, rest = messages[0], messages[1:]
        edit = outbound.edit_content(ref.message_key, first.content)
        await self.send_content(ref.chat.chat_key, edit)
        if first.actions:
            await self.menus.remember(ref.message_key, list(first.actions))
        for message in rest:
            event_id = await self.send_content(ref.chat.chat_key, message.content)
            if message.actions:
                await self.menus.remember(event_id, list(message.actions))
        for attachment in screen.attachments:
            content = await self._upload(ref.chat.chat_key, attachment)
            await self.send_content(ref.chat.chat_key, content)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send a screen to a person privately, opening a DM with them if needed."""
        room_id = await self.dms.open(user_key)
        return await self.send(ChatRef(PLATFORM, room_id, True), screen)

    async def send_content(
        self, room_id: str, content: dict[str, Any], event_type: str = "m.room.message"
    ) -> str:
        """Send one event (encrypted where the room is); returns its event id."""
        nio = self.client.nio
        tx_id = uuid.uuid4().hex

        async def once() -> Any:
            room = nio.rooms.get(room_id)
            encrypted = room is not None and room.encrypted and nio.olm is not None
            if encrypted and nio.should_query_keys:
                await self.client.call(nio.keys_query, "keys_query")
            ignore = send_ignoring_unverified(nio, room_id, self.config.trust_policy)
            try:
                return await nio.room_send(room_id, event_type, content, tx_id, ignore)
            except OlmUnverifiedDeviceError:
                # A device appeared between our check and the key share: trust it (first use).
                trust_room_devices(nio, room_id)
                return await nio.room_send(room_id, event_type, content, tx_id, ignore)

        response = await self.client.call(once, "room_send")
        assert isinstance(response, RoomSendResponse)
        return str(response.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """Annotate a message with a reaction."""
        await self.send_content(room_id, outbound.reaction_content(event_id, key), "m.reaction")

    async def _offer_reactions(self, room_id: str, event_id: str, count: int) -> None:
        if not 0 < count <= min(self.config.react_to_menus, len(outbound.KEYCAPS)):
            return
        for key in outbound.KEYCAPS[:count]:
            try:
                await self.react(room_id, event_id, key)
            except MatrixError as error:  # reactions are a convenience; typing still works
                log.warning("matrix: could not offer reaction: %s", error)
                return

    async def _upload(self, room_id: str, attachment: Attachment) -> dict[str, Any]:
        nio = self.client.nio
        room = nio.rooms.get(room_id)
        encrypt = bool(room is not None and room.encrypted and nio.olm is not None)

        async def upload() -> Any:
            response, keys = await nio.upload(
                io.BytesIO(attachment.content),
                content_type=attachment.mime_type,
                filename=attachment.filename,
                encrypt=encrypt,
                filesize=len(attachment.content),
            )
            if isinstance(response, UploadResponse):
                return response, keys
            return response

        result = await self.client.call(upload, "upload")
        response, keys = result
        url = str(response.content_uri)
        encrypted_file = {"url": url, **keys} if encrypt and keys else None
        return outbound.media_content(attachment, url, encrypted_file)
