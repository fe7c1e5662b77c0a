"""Scripted conversations through the real shell adapter."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.platforms.shell.adapter import ShellDirectory, ShellMessenger, ShellSession


class ShellConversation:
    """Type lines as a shell user; read what the bot printed."""

    def __init__(self, app: App, user: str, files_dir: Path, language: str | None = None):
        self.out = io.StringIO()
        self.session = ShellSession(
            app.dispatcher, app.db, app.clock, user, self.out, files_dir, language
        )
        self.received = io.StringIO()  # scheduled messages sent to this user
        directory = app.messengers.setdefault("shell", ShellDirectory())
        assert isinstance(directory, ShellDirectory)
        directory.attach(user.lower(), ShellMessenger(self.received, files_dir))
        self._read = 0

    async def say(self, *lines: str) -> str:
        """Send lines; return only what the bot printed in response to them."""
        start = self.out.tell()
        for line in lines:
            await self.session.handle_line(line)
        self.out.seek(start)
        printed = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return printed

    @property
    def transcript(self) -> str:
        """Everything printed so far."""
        return self.out.getvalue()

    def inbox(self) -> str:
        """What the bot sent this user without being asked (scheduled messages) since the
        last look."""
        text = self.received.getvalue()
        unread, self._read = text[self._read :], len(text)
        return unread
