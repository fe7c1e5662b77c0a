"""Neutral ports between the platforms and the handlers: intents in, screens out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PlatformUser:
    """A person as a platform knows them."""

    platform: str
    user_key: str
    display_name: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A conversation on a platform (a private chat, a group, a room)."""

    platform: str
    chat_key: str
    is_direct: bool


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot or a person posted."""

    chat: ChatRef
    message_key: str


@dataclass(frozen=True, slots=True)
class Action:
    """What a button does: a verb and a few compact arguments."""

    verb: str
    args: tuple[int | str, ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    """A typed command such as `/invite usagers 3`."""

    name: str
    args: tuple[str, ...] = ()
    raw_args: str = ""


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """A button pressed, a numbered choice typed, a reaction: all become this."""

    action: Action


@dataclass(frozen=True, slots=True)
class TextInput:
    """Free text that is not a command."""

    text: str


@dataclass(frozen=True, slots=True)
class FileInput:
    """A file sent by the person (e.g. a roster CSV)."""

    filename: str
    content: bytes
    caption: str = ""


Intent = Command | ActionInvoked | TextInput | FileInput


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thing a person did, in platform-neutral form."""

    actor: PlatformUser
    chat: ChatRef
    intent: Intent
    event_key: str
    received_at: datetime
    origin: MessageRef | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can render; renderers degrade gracefully from this."""

    buttons: bool
    edit_messages: bool
    ephemeral_notice: bool
    native_polls: bool
    reactions_as_input: bool
    max_text: int
    command_prefix: str = "/"
    local_files: bool = False


class Tone(StrEnum):
    """How a screen should feel: plain information, success, a refusal or problem."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered on a screen; always also reachable by typing."""

    label: str
    action: Action | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file or picture to send with a screen."""

    filename: str
    content: bytes
    mime_type: str
    caption: str = ""

    @property
    def is_image(self) -> bool:
        """True for pictures (charts)."""
        return self.mime_type.startswith("image/")


@dataclass(frozen=True, slots=True)
class Screen:
    """What the bot shows: plain text (adapters escape it), an optional title, buttons."""

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    tone: Tone = Tone.INFO
    replaces_origin: bool = False

    def all_buttons(self) -> list[Button]:
        """Buttons in reading order (how they are numbered when typed)."""
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class Reply:
    """The handler's answer: screens for the actor and an optional toast. Messages to other
    members go through the scheduler (durable, paced, quiet hours), not through replies."""

    screens: tuple[Screen, ...] = ()
    notice: str | None = None

    @staticmethod
    def of(*screens: Screen, notice: str | None = None) -> Reply:
        """Build a reply from screens."""
        return Reply(screens=tuple(screens), notice=notice)


class RecipientUnreachable(Exception):
    """A message cannot reach this person or chat on this platform (blocked the bot, left,
    account gone); adapters raise it (or a subclass) from ``Messenger`` methods."""


class PlatformUnavailable(Exception):
    """The platform cannot take messages right now (not connected, rate-limited for long);
    try again later, after ``retry_after`` seconds when known."""

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Messenger(Protocol):
    """What each platform adapter offers to send things out.

    Sending to someone who cannot be reached raises ``RecipientUnreachable``; a platform that
    is down for now raises ``PlatformUnavailable``.
    """

    platform: str
    capabilities: Capabilities

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen in a chat."""
        ...

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen."""
        ...

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send a screen to a person privately."""
        ...
