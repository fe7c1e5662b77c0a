"""Records kept by the emulator and handed to tests (messages, files, callback answers...)."""

from __future__ import annotations

import base64
import copy
import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file known to the bot: uploaded by it, or sent by a user (downloadable via getFile)."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The Bot API ``File`` object for ``getFile``."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class EditRecord:
    """One state of an edited message, kept in :attr:`StoredMessage.edits`."""

    text: str | None
    reply_markup: dict[str, Any] | None
    date: int


@dataclass
class StoredMessage:
    """A message in a chat. ``sent_to()`` returns those with ``from_bot=True``.

    ``json`` is the current Bot API ``Message`` object; ``edits`` lists the *previous* states
    (oldest first), so ``edits[0].text`` is the original text of an edited message.
    """

    chat_id: int
    message_id: int
    from_bot: bool
    json: dict[str, Any]
    method: str = ""
    edits: list[EditRecord] = field(default_factory=list)
    deleted: bool = False
    file: StoredFile | None = None
    reply_keyboard: dict[str, Any] | None = None

    @property
    def text(self) -> str | None:
        """Text, or caption for media messages."""
        return self.json.get("text", self.json.get("caption"))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard currently attached (``None`` if none)."""
        return self.json.get("reply_markup")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline buttons, row by row, flattened."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def callback_data(self) -> list[str]:
        """The ``callback_data`` of every inline button."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    @property
    def edited(self) -> bool:
        """True once the bot edited the message."""
        return bool(self.edits)

    @property
    def photo(self) -> bytes | None:
        """Bytes of the photo the bot sent, if this is a photo message."""
        return self.file.data if self.file and "photo" in self.json else None

    @property
    def document(self) -> bytes | None:
        """Bytes of the document, if this is a document message."""
        return self.file.data if self.file and "document" in self.json else None

    @property
    def kind(self) -> str:
        """``text``, ``photo``, ``document``, ``poll`` or ``other``."""
        for key in ("text", "photo", "document", "poll"):
            if key in self.json:
                return key
        return "other"

    def to_json(self, include_bytes: bool = False) -> dict[str, Any]:
        """Serializable view for the HTTP test API (bytes base64-encoded on request)."""
        data: dict[str, Any] = {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "method": self.method,
            "kind": self.kind,
            "text": self.text,
            "reply_markup": self.reply_markup,
            "reply_keyboard": self.reply_keyboard,
            "edits": [e.__dict__ for e in self.edits],
            "deleted": self.deleted,
            "message": copy.deepcopy(self.json),
        }
        if self.file is not None:
            data["file_name"] = self.file.file_name
            data["file_size"] = len(self.file.data)
            if include_bytes:
                data["file_b64"] = base64.b64encode(self.file.data).decode()
        return data


@dataclass
class CallbackQueryRecord:
    """A callback query created by ``press_button``; answered at most once."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class CallbackAnswer:
    """What the bot passed to ``answerCallbackQuery``."""

    query_id: str
    user_id: int
    data: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class Stats:
    """Counters of one bot (see ``TelegramEmulator.stats()``)."""

    calls: dict[str, int]
    errors: dict[int, int]
    too_many_requests: int
    forbidden: int
    sends: int
    sends_per_second: float
    max_sends_in_1s: int
    messages_per_chat: dict[int, int]
    updates_delivered: int
    redeliveries: int

    def to_json(self) -> dict[str, Any]:
        """Plain dict view (used by the HTTP test API)."""
        return dict(self.__dict__)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image; ``None`` if not recognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None
