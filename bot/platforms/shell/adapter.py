"""`parvis shell`: an interactive (or scripted) terminal chat with the bot."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot.core.clock import Clock
from bot.handlers.dispatch import Dispatcher
from bot.members.service import MembersService
from bot.platforms.ports import (
    Capabilities,
    ChatRef,
    Interaction,
    MessageRef,
    Messenger,
    PlatformUser,
    RecipientUnreachable,
    Reply,
    Screen,
)
from bot.platforms.shell.render import render_screen
from bot.platforms.text_commands import parse_text
from bot.storage.tables import MemberRow
from bot.storage.uow import Database

PLATFORM = "shell"
CAPABILITIES = Capabilities(
    buttons=True,
    edit_messages=False,
    ephemeral_notice=False,
    native_polls=False,
    reactions_as_input=False,
    max_text=100_000,
    command_prefix="/",
    local_files=True,
)


class ShellMessenger:
    """Prints screens to a text stream; files are saved under a folder."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        self.out = out
        self.files_dir = files_dir
        self._counter = 0

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Print a screen addressed to a chat."""
        self._counter += 1
        header = "" if chat.chat_key == "" else f"[→ {chat.chat_key}]\n"
        self.out.write(header + render_screen(screen, self._save) + "\n")
        self.out.flush()
        return MessageRef(chat, str(self._counter))

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """The shell cannot edit: print again."""
        await self.send(ref.chat, screen)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Print a screen for another local user."""
        return await self.send(ChatRef(PLATFORM, user_key, True), screen)

    def _save(self, filename: str, content: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(filename).name
        path.write_bytes(content)
        return path


class ShellDirectory:
    """The shell's Messenger for scheduled deliveries: a message for a local user is printed
    by that user's session (its own terminal or test transcript); for a user without a session
    of their own, by the first session, headed with their name (`[→ bob]`)."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self) -> None:
        self._sessions: dict[str, ShellMessenger] = {}
        self._first: ShellMessenger | None = None

    def attach(self, user_key: str, messenger: ShellMessenger) -> None:
        """Print what is sent to `user_key` with this messenger."""
        self._sessions[user_key] = messenger
        if self._first is None:
            self._first = messenger

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Print a screen for a chat (a user's own session if it has one)."""
        own = self._sessions.get(chat.chat_key) if chat.is_direct else None
        if own is not None:
            ref = await own.send(ChatRef(PLATFORM, "", True), screen)
            return MessageRef(chat, ref.message_key)
        if self._first is None:
            raise RecipientUnreachable(chat.chat_key)
        return await self._first.send(chat, screen)

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """The shell cannot edit: print again."""
        await self.send(ref.chat, screen)

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Print a screen for a local user."""
        return await self.send(ChatRef(PLATFORM, user_key, True), screen)


class ShellSession:
    """Reads lines, turns them into interactions, prints the replies."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        db: Database,
        clock: Clock,
        user: str,
        out: TextIO,
        files_dir: Path,
        language: str | None = None,
        messengers: dict[str, Messenger] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.db = db
        self.clock = clock
        self.user = user
        self.language = language
        self.messenger = ShellMessenger(out, files_dir)
        if messengers is not None:  # scheduled messages for this user print here
            directory = messengers.setdefault(PLATFORM, ShellDirectory())
            if isinstance(directory, ShellDirectory):
                directory.attach(user.lower(), self.messenger)
        self._session = uuid.uuid4().hex[:12]
        self._count = 0
        self._organisation_has_members = False  # once true, always true: members stay
        self._current_chat = user

    async def handle_line(self, line: str) -> Reply | None:
        """Handle one typed line (`@other text` acts as another local user)."""
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            return None
        user, text = self.user, line
        if line.startswith("@"):
            name, _, rest = line[1:].partition(" ")
            if name:
                user, text = name, rest
        actor = PlatformUser(PLATFORM, user.lower(), user, self.language)
        await self._bootstrap_first_user(actor)
        self._count += 1
        interaction = Interaction(
            actor=actor,
            chat=ChatRef(PLATFORM, actor.user_key, True),
            intent=parse_text(text),
            event_key=f"shell:{self._session}:{self._count}",
            received_at=self.clock.now(),
        )
        reply = await self.dispatcher.handle(interaction, CAPABILITIES)
        await self._print(actor, reply)
        return reply

    async def _print(self, actor: PlatformUser, reply: Reply) -> None:
        prefix_chat = "" if actor.user_key == self.user.lower() else actor.user_key
        chat = ChatRef(PLATFORM, prefix_chat, True)
        for screen in reply.screens:
            await self.messenger.send(chat, screen)

    async def _bootstrap_first_user(self, actor: PlatformUser) -> None:
        """On an empty organisation, the first shell user becomes its admin (shell only)."""
        if self._organisation_has_members:
            return
        org = await self.dispatcher.organisation()
        async with self.db.uow() as uow:
            count = await uow.session.scalar(
                select(func.count())
                .select_from(MemberRow)
                .where(MemberRow.organisation_id == org.id)
            )
            self._organisation_has_members = True
            if count:
                return
            await MembersService(uow, org).bootstrap_admin(
                actor.platform, actor.user_key, actor.display_name, self.language
            )
            await uow.commit()
        await self.messenger.send(
            ChatRef(PLATFORM, "", True),
            Screen(text=f"(shell) {actor.display_name} is the first user: administrator."),
        )

    async def run(self, stream: TextIO, interactive: bool) -> None:
        """Read until end of input."""
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                sys.stdout.write(f"{self.user}> ")
                sys.stdout.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            if interactive and line.strip() in {"/quit", "/exit"}:
                break
            await self.handle_line(line)
