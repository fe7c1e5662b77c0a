"""The Matrix adapter: sync events -> Interactions -> Dispatcher -> replies in the room.

Who is heard: people of allowed homeservers, in their DM with the bot (any input) or in a
configured group room (commands, and responses to the room polls the bot posted; see
`room_polls.py`). Everything else is ignored without an answer. An encrypted message the bot
cannot decrypt, in those rooms, gets a "send it again" notice (`unreadable.py`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nio import Event, MatrixRoom, MegolmEvent, MemoryDownloadResponse
from nio.crypto.attachments import decrypt_attachment

from bot.app import App
from bot.platforms.matrix.client import MatrixClient, MatrixError
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.delivery import DeliveryMessenger
from bot.platforms.matrix.dm import DirectRooms
from bot.platforms.matrix.inbound import (
    Inbound,
    PollAnswer,
    Reacted,
    SentFile,
    TypedText,
    Undecryptable,
    classify,
)
from bot.platforms.matrix.messenger import CAPABILITIES, PLATFORM, MatrixMessenger
from bot.platforms.matrix.room_polls import RoomPolls, is_poll_command, is_post_command
from bot.platforms.matrix.senders import claim_for_answer
from bot.platforms.matrix.state import AdapterState, MenuStore, SyncProgress
from bot.platforms.matrix.sync import RoomWork, SyncLoop
from bot.platforms.matrix.unreadable import UnreadableMessages
from bot.platforms.matrix.workers import RoomWorkers
from bot.platforms.ports import (
    ActionInvoked,
    ChatRef,
    Command,
    FileInput,
    Intent,
    Interaction,
    MessageRef,
    PlatformUser,
    Reply,
    Screen,
    Tone,
)
from bot.platforms.text_commands import parse_text

log = logging.getLogger(__name__)


class TooLarge:
    """A file over `max_file_bytes`: answered with a message, never handed to a handler."""


class MatrixAdapter:
    """Everything Matrix, built from the app and a config; `run` until the stop event."""

    def __init__(self, app: App, config: MatrixConfig) -> None:
        self.app = app
        self.config = config
        self.state = AdapterState(app.db)
        self.client = MatrixClient(config, self.state)
        self.dms = DirectRooms(self.client, config)
        self.menus = MenuStore(self.state)
        self.messenger = MatrixMessenger(self.client, self.dms, self.menus, config)
        self.room_polls = RoomPolls(app, self.messenger, config)
        self.unreadable = UnreadableMessages(app, self.client, self.messenger, config)
        self.progress = SyncProgress()
        self.workers = RoomWorkers(self._handle_work, self._work_done)
        self.sync = SyncLoop(self.client, self.state, config, self.workers.submit, self.progress)

    @property
    def ready(self) -> asyncio.Event:
        """Set once the first sync is done (the bot is listening)."""
        return self.sync.ready

    async def run(self, stop: asyncio.Event) -> None:
        """Log in and sync until `stop` is set; then finish queued work and close."""
        try:
            await self.client.login()
            await self.dms.load()
            await self.menus.prune()
            self.app.messengers[PLATFORM] = DeliveryMessenger(self.messenger)  # scheduled
            syncing = asyncio.create_task(self.sync.run(), name="matrix sync")
            stopping = asyncio.create_task(stop.wait(), name="matrix stop")
            watching = asyncio.create_task(
                self.room_polls.watch(self.sync.ready), name="matrix room polls"
            )
            await asyncio.wait({syncing, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (syncing, stopping, watching):
                task.cancel()
            results = await asyncio.gather(syncing, stopping, watching, return_exceptions=True)
            await self.workers.drain(timeout=5)
            await self.sync.save_token()
            if isinstance(results[0], Exception):
                raise results[0]
        finally:
            lent = self.app.messengers.get(PLATFORM)
            if isinstance(lent, DeliveryMessenger) and lent.messenger is self.messenger:
                del self.app.messengers[PLATFORM]
            await self.client.close()

    def _work_done(self, batch: Any) -> None:
        self.sync.work_done(batch)

    async def _handle_work(self, work: RoomWork) -> None:
        if work.invite is not None:
            await self.dms.accept_invite(work.room_id, *work.invite)
            return
        room = self.client.nio.rooms.get(work.room_id)
        if room is None:
            return
        answers: list[tuple[str, str, PollAnswer]] = []  # a run of poll responses, in order
        for event in work.events:
            item = classify(event, self.client.user_id)
            if isinstance(item, PollAnswer):
                answers.append((event.event_id, event.sender, item))
                continue
            if answers:
                await self.room_polls.responses(room.room_id, answers)
                answers = []
            await self.handle_event(room, event, item)
        if answers:
            await self.room_polls.responses(room.room_id, answers)

    async def handle_event(
        self, room: MatrixRoom, event: Event, item: Inbound | None = None
    ) -> None:
        """Turn one event into an interaction, dispatch it, deliver the reply."""
        if item is None:
            item = classify(event, self.client.user_id)
        if item is None or isinstance(item, PollAnswer) or not self.config.allows(event.sender):
            return
        chat = self._chat(room, event.sender)
        if chat is None:
            return
        if isinstance(item, Undecryptable):
            assert isinstance(event, MegolmEvent)
            await self.unreadable.handle(room, event, chat, _display_name(room, event.sender))
            return
        intent = await self._intent(item, chat)
        if isinstance(intent, TooLarge):
            if chat.is_direct:
                await self._too_large(room, event, chat)
            return
        if intent is None or (not chat.is_direct and not isinstance(intent, Command)):
            return
        origin = (
            MessageRef(chat, item.target_event_id)
            if isinstance(item, Reacted)
            else MessageRef(chat, event.event_id)
        )
        interaction = Interaction(
            actor=PlatformUser(PLATFORM, event.sender, _display_name(room, event.sender)),
            chat=chat,
            intent=intent,
            event_key=f"matrix:{event.event_id}",
            received_at=self.app.clock.now(),
            origin=origin,
        )
        if is_post_command(intent):
            reply = await self.room_polls.run_post_command(interaction)
        else:
            reply = await self.app.dispatcher.handle(interaction, CAPABILITIES)
        await self.deliver(interaction, reply, editable=isinstance(item, Reacted))
        if is_poll_command(intent):
            self.room_polls.wake()  # it may have closed a poll posted in a room

    def _chat(self, room: MatrixRoom, sender: str) -> ChatRef | None:
        if room.room_id in self.config.group_rooms:
            return ChatRef(PLATFORM, room.room_id, False)
        if self.dms.is_dm_with(room, sender):
            return ChatRef(PLATFORM, room.room_id, True)
        return None

    async def _intent(self, item: Inbound, chat: ChatRef) -> Intent | TooLarge | None:
        if isinstance(item, TypedText):
            return parse_text(item.text)
        if isinstance(item, Reacted):
            action = await self.menus.choice(item.target_event_id, item.number)
            return ActionInvoked(action) if action is not None else None
        if isinstance(item, SentFile) and chat.is_direct:
            return await self._file(item)
        return None

    async def _file(self, item: SentFile) -> FileInput | TooLarge | None:
        if item.size is not None and item.size > self.config.max_file_bytes:
            return TooLarge()
        nio = self.client.nio
        response = await self.client.call(lambda: nio.download(item.mxc), "download")
        if not isinstance(response, MemoryDownloadResponse):
            return None
        # The declared size may be missing or wrong: an encrypted file's ciphertext is as long
        # as its content, so the downloaded length is the real one.
        data = bytes(response.body[: self.config.max_file_bytes + 1])
        if len(data) > self.config.max_file_bytes:
            return TooLarge()
        if item.encryption is not None:
            try:
                data = decrypt_attachment(
                    data,
                    item.encryption["key"]["k"],
                    item.encryption["hashes"]["sha256"],
                    item.encryption["iv"],
                )
            except Exception:
                log.warning("matrix: an encrypted file could not be decrypted")
                return None
        return FileInput(item.filename, data, item.caption)

    async def _too_large(self, room: MatrixRoom, event: Event, chat: ChatRef) -> None:
        """Say the file is too large, in the person's language (once per event)."""
        found = await claim_for_answer(self.app, event.event_id, event.sender)
        if found is None:
            return
        t = found[1]
        text = t(
            "This file is too large: {megabytes} MB at most.",
            megabytes=t.number(round(self.config.max_file_bytes / 1_000_000, 1)),
        )
        log.info("matrix: file too large", extra={"room": room.room_id})
        try:
            await self.messenger.send(chat, Screen(text=text, tone=Tone.ERROR))
        except MatrixError as error:
            log.error("matrix: reply not delivered: %s", error)

    async def deliver(self, ix: Interaction, reply: Reply, editable: bool = False) -> None:
        """Send the reply's screens to the chat."""
        try:
            for screen in reply.screens:
                if screen.replaces_origin and editable and ix.origin is not None:
                    await self.messenger.edit(ix.origin, screen)
                else:
                    await self.messenger.send(ix.chat, screen)
            if not reply.screens and reply.notice:
                await self.messenger.send(ix.chat, Screen(text=reply.notice))
        except MatrixError as error:
            log.error("matrix: reply not delivered: %s", error, extra={"event": ix.event_key})


def _display_name(room: MatrixRoom, user_id: str) -> str:
    name = room.user_name(user_id)
    if name:
        return str(name)
    return user_id[1:].split(":", 1)[0]
