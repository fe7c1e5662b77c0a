"""Matrix events read into what a person did: typed text, a reaction, a file.

`classify` is pure: it looks at one nio event and returns an `Inbound` value or None (ignored).
What the adapter then does with it (parse text into a Command/TextInput, look up the menu a
reaction points at, download a file) needs I/O and lives in `adapter.py`.

Ignored on purpose: the bot's own events, `m.notice` (bots talk in notices; answering them
makes bot loops), emotes, edits (`m.replace`: acting twice on one message would surprise
people), redactions and state events.

Undecryptable events (nio's `MegolmEvent`: the bot has no key for them) from people become
`Undecryptable`: the adapter asks for the key and tells the person to send the message again
(`unreadable.py`), since it may have been a vote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nio import (
    Event,
    MegolmEvent,
    ReactionEvent,
    RoomEncryptedFile,
    RoomMessageFile,
    RoomMessageText,
    UnknownEvent,
)

from bot.platforms.matrix import polls

_KEYCAP_MARKS = ("\ufe0f", "\u20e3")
_REPLY_FALLBACK = re.compile(r"\A(?:>[^\n]*\n)+\n", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TypedText:
    """A text message (`m.text`), reply fallback removed."""

    text: str


@dataclass(frozen=True, slots=True)
class Reacted:
    """A reaction with a number (`2️⃣`, `2`) on some message."""

    target_event_id: str
    number: int


@dataclass(frozen=True, slots=True)
class SentFile:
    """An `m.file` to download (`encryption` is the E2EE `file` info, else None)."""

    filename: str
    mxc: str
    size: int | None
    mime_type: str
    encryption: dict[str, Any] | None
    caption: str = ""


@dataclass(frozen=True, slots=True)
class PollAnswer:
    """A native poll response (wired to the poll engine when it lands)."""

    poll_event_id: str
    answer_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Undecryptable:
    """An encrypted event the bot has no room key for (its content is unknown)."""

    session_id: str


Inbound = TypedText | Reacted | SentFile | PollAnswer | Undecryptable


def strip_reply_fallback(body: str) -> str:
    """Remove the `> <@someone> quoted` lines clients put in front of replies."""
    return _REPLY_FALLBACK.sub("", body, count=1)


def reaction_number(key: str) -> int | None:
    """`1️⃣`, `1⃣`, `🔟` or a plain `3` -> the number; other reactions -> None."""
    if key == "🔟":
        return 10
    bare = key
    for mark in _KEYCAP_MARKS:
        bare = bare.replace(mark, "")
    bare = bare.strip()
    if bare.isdigit() and bare.isascii() and len(bare) <= 3:
        return int(bare)
    return None


def _is_edit(content: dict[str, Any]) -> bool:
    relates = content.get("m.relates_to") or {}
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


def classify(event: Event, bot_user_id: str) -> Inbound | None:
    """What a person did with this event, or None when the bot should not react to it."""
    if event.sender == bot_user_id:
        return None
    if isinstance(event, MegolmEvent):
        return Undecryptable(event.session_id)
    content: dict[str, Any] = event.source.get("content") or {}
    if isinstance(event, RoomMessageText):
        if _is_edit(content):
            return None
        text = strip_reply_fallback(event.body or "")
        return TypedText(text) if text.strip() else None
    if isinstance(event, ReactionEvent):
        number = reaction_number(event.key)
        return Reacted(event.reacts_to, number) if number is not None else None
    if isinstance(event, RoomMessageFile | RoomEncryptedFile):
        return _file(event, content)
    if isinstance(event, UnknownEvent) and event.type in polls.RESPONSE_TYPES:
        vote = polls.parse_response(event.type, content)
        return PollAnswer(*vote) if vote else None
    return None


def _file(event: RoomMessageFile | RoomEncryptedFile, content: dict[str, Any]) -> SentFile:
    info = content.get("info") if isinstance(content.get("info"), dict) else {}
    assert isinstance(info, dict)
    filename = str(content.get("filename") or event.body or "file")
    caption = str(event.body) if content.get("filename") and event.body != filename else ""
    size = info.get("size")
    encryption = None
    mime_type = str(info.get("mimetype") or "application/octet-stream")
    if isinstance(event, RoomEncryptedFile):
        encryption = {"key": event.key, "hashes": event.hashes, "iv": event.iv}
        mime_type = event.mimetype or mime_type
    return SentFile(
        filename=filename[:200],
        mxc=event.url,
        size=size if isinstance(size, int) else None,
        mime_type=mime_type,
        encryption=encryption,
        caption=caption,
    )
