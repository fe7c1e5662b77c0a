"""Test support: the real Matrix adapter as a task, and members driving real nio clients."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nio import (
    AsyncClient,
    RoomMessageNotice,
    RoomMessagesResponse,
    RoomSendResponse,
    UploadResponse,
)

from bot.app import App
from bot.members.service import MembersService
from bot.platforms.matrix.adapter import MatrixAdapter
from tests.matrix_harness import MatrixUser
from tests.matrix_harness.clients import Received, SyncedClient, create_dm, member_joined
from tests.support.shell import ShellConversation


@dataclass
class RunningBot:
    """A `MatrixAdapter` running in a task until `stop()`."""

    adapter: MatrixAdapter
    task: asyncio.Task[None]
    stop_event: asyncio.Event
    account: MatrixUser | None = None

    @property
    def user_id(self) -> str:
        """The bot's Matrix id."""
        return self.adapter.config.user_id

    async def stop(self) -> None:
        """Stop the adapter and wait for it to close (re-raising its failure, if any)."""
        self.stop_event.set()
        await asyncio.wait_for(asyncio.shield(self.task), timeout=15)


async def start_adapter(adapter: MatrixAdapter, timeout: float = 15) -> RunningBot:  # noqa: ASYNC109
    """Run an adapter and wait until its first sync is done."""
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop), name="matrix adapter under test")
    ready = asyncio.create_task(adapter.ready.wait())
    done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when="FIRST_COMPLETED")
    if task in done:
        ready.cancel()
        task.result()
        raise AssertionError("the adapter stopped during start-up")
    if ready not in done:
        ready.cancel()
        stop.set()
        raise AssertionError("the adapter did not finish its first sync")
    return RunningBot(adapter, task, stop)


async def make_admin(
    app: App, user_id: str, name: str = "Admin", language: str | None = None
) -> None:
    """Grant admin to a Matrix account (what `parvis admin add matrix:@...` does)."""
    async with app.db.uow() as uow:
        service = MembersService(uow, app.organisation)
        await service.bootstrap_admin("matrix", user_id, name, language)
        await uow.commit()


def is_bot_notice(bot_id: str, room_id: str) -> Any:
    """Predicate: an `m.notice` from the bot in a room (edits excluded)."""

    def predicate(item: Received) -> bool:
        return (
            item.room_id == room_id
            and isinstance(item.event, RoomMessageNotice)
            and item.sender == bot_id
            and "m.new_content" not in item.content
        )

    return predicate


@dataclass
class Member:
    """A person on Matrix: a real nio client whose sync loop fills an inbox."""

    synced: SyncedClient
    bot_id: str
    encrypted: bool = False
    room_id: str = ""
    consumed: set[str] = field(default_factory=set)

    @property
    def client(self) -> AsyncClient:
        """The nio client."""
        return self.synced.client

    @property
    def user_id(self) -> str:
        """The member's Matrix id."""
        return self.synced.user_id

    async def open_dm(self, encrypted: bool = False) -> str:
        """Create a DM with the bot and wait until the bot joined it."""
        self.encrypted = encrypted
        self.room_id = await create_dm(self.client, self.bot_id, encrypted=encrypted)
        await self.synced.inbox.wait_for(member_joined(self.room_id, self.bot_id), timeout=10)
        return self.room_id

    async def send(self, text: str, room_id: str | None = None) -> str:
        """Send a text message; returns its event id."""
        content = {"msgtype": "m.text", "body": text}
        return await self.send_content(content, room_id=room_id)

    async def send_content(
        self, content: dict[str, Any], event_type: str = "m.room.message", room_id: str = ""
    ) -> str:
        """Send any event to the DM (or another room)."""
        response = await self.client.room_send(
            room_id or self.room_id, event_type, content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def next_reply(self, timeout: float = 10) -> Received:  # noqa: ASYNC109
        """The oldest bot notice in the DM not returned yet."""
        base = is_bot_notice(self.bot_id, self.room_id)
        found = await self.synced.inbox.wait_for(
            lambda item: base(item) and item.event.event_id not in self.consumed, timeout=timeout
        )
        self.consumed.add(found.event.event_id)
        return found

    async def say(self, text: str, timeout: float = 10) -> str:  # noqa: ASYNC109
        """Send text and return the body of the bot's (first) answer."""
        await self.send(text)
        return str((await self.next_reply(timeout)).event.body)

    async def talk(self, text: str, bot: RunningBot, timeout: float = 10) -> str:  # noqa: ASYNC109
        """Send text and return every screen the bot answered with (joined), in order.

        Waits until the bot has handled the message (its event key is recorded) and has no
        work left, then reads the room's timeline on the server (authoritative, unlike the
        arrival order of syncs).
        """
        sent = await self.send(text)
        db = bot.adapter.app.db

        async def handled() -> bool:
            async with db.uow() as uow:
                seen = await uow.event_seen(f"matrix:{sent}")
            # busy is read after the query: the worker may have claimed the event while it ran
            return seen and not bot.adapter.workers.busy

        await eventually(handled, timeout)
        page = await self.client.room_messages(self.room_id, None, limit=50)
        assert isinstance(page, RoomMessagesResponse), page
        answers: list[Any] = []
        for event in page.chunk:  # newest first
            if event.event_id == sent:
                break
            is_edit = "m.new_content" in event.source.get("content", {})
            if (
                isinstance(event, RoomMessageNotice)
                and event.sender == self.bot_id
                and not is_edit
            ):
                answers.append(event)
        self.consumed.update(e.event_id for e in answers)
        return "\n\n".join(str(e.body) for e in reversed(answers))

    async def replies_so_far(self, settle: float = 0.5) -> list[str]:
        """Bodies of the bot's notices not returned yet, after waiting `settle` seconds."""
        await asyncio.sleep(settle)
        base = is_bot_notice(self.bot_id, self.room_id)
        fresh = [
            i
            for i in self.synced.inbox.received
            if base(i) and i.event.event_id not in self.consumed
        ]
        self.consumed.update(i.event.event_id for i in fresh)
        return [str(i.event.body) for i in fresh]

    async def react(self, event_id: str, key: str) -> str:
        """React to a message."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send_content(content, "m.reaction")

    async def send_file(self, filename: str, data: bytes, mime: str = "text/csv") -> str:
        """Upload a file (encrypted in an encrypted DM) and post it as `m.file`."""
        response, keys = await self.client.upload(
            io.BytesIO(data),
            content_type=mime,
            filename=filename,
            encrypt=self.encrypted,
            filesize=len(data),
        )
        assert isinstance(response, UploadResponse), response
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": filename,
            "info": {"mimetype": mime, "size": len(data)},
        }
        if self.encrypted:
            assert keys is not None
            content["file"] = {"url": response.content_uri, **keys}
        else:
            content["url"] = response.content_uri
        return await self.send_content(content)


def bot_said(member: Member, bot_id: str, words: str = "", kind: type | None = None) -> Any:
    """Predicate: an event from the bot in the member's room whose body (or file name)
    contains `words`, of the event class `kind` if given."""

    def predicate(item: Any) -> bool:
        content = item.content
        return (
            item.room_id == member.room_id
            and item.sender == bot_id
            and (kind is None or isinstance(item.event, kind))
            and words in str(content.get("body", "")) + str(content.get("filename", ""))
        )

    return predicate


async def eventually(check: Any, timeout: float = 10.0, every: float = 0.05) -> Any:  # noqa: ASYNC109
    """Poll an async predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(every)


async def knows_devices(member: Member, user_ids: Iterable[str]) -> None:
    """Wait until the member's client fetched the device keys of `user_ids` (its sync loop
    queries them): an encrypted send only shares the room key with devices it knows."""
    store = member.client.device_store
    others = [user_id for user_id in user_ids if user_id != member.user_id]

    async def known() -> bool:
        return all(list(store.active_user_devices(user_id)) for user_id in others)

    await eventually(known, timeout=10)


BotFactory = Callable[..., Awaitable[RunningBot]]
MemberFactory = Callable[..., Awaitable[Member]]
ShellFactory = Callable[..., ShellConversation]
