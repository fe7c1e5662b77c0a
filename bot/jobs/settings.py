"""The organisation's settings for polls' nudges and announcements (its ``settings`` JSON).

``"reminder_offsets": "72h,24h,3h"`` — reminders before the close (``off``: none);
``"turnout_alert": "24h"`` — when to check each collège's participation (``off``: never);
``"announce_chats": [{"platform", "chat_key", "title", "by"}]`` — group chats and rooms where
new polls are announced, added with ``/announce here`` by the admin ``by``.
Absent or malformed values mean the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.scheduling.quiet_hours import DEFAULT_REMINDER_OFFSETS, offset_label

REMINDER_OFFSETS = "reminder_offsets"
TURNOUT_ALERT = "turnout_alert"
ANNOUNCE_CHATS = "announce_chats"
DEFAULT_TURNOUT_ALERT = timedelta(hours=24)
_DURATION = re.compile(r"^\s*(\d{1,4})\s*([dhmj])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "j": "days", "h": "hours", "m": "minutes"}
_SEPARATORS = re.compile(r"[,;\s]+")
MAX_REMINDERS = 6
LONGEST_NUDGE = timedelta(days=60)


def parse_duration(text: str) -> timedelta:
    """Read ``72h``, ``3d`` (``3j``), ``90m``; raise ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(**{_UNITS[match[2].lower()]: int(match[1])})


def parse_nudge(text: str) -> timedelta:
    """One time before the close (``24h``, ``3d``/``3j``, ``90m``), at most 60 days."""
    offset = parse_duration(text)
    if offset > LONGEST_NUDGE:
        raise ValueError(f"too long before the close: {text!r}")
    return offset


def parse_reminder_offsets(text: str) -> tuple[timedelta, ...]:
    """``72h,24h,3h`` (or ``3d 1d 3h``): distinct offsets, earliest reminder first; at
    least one, at most ``MAX_REMINDERS``. Raises ValueError otherwise."""
    parts = [part for part in _SEPARATORS.split(text) if part]
    offsets = sorted({parse_nudge(part) for part in parts}, reverse=True)
    if not offsets or len(offsets) > MAX_REMINDERS:
        raise ValueError(f"not a list of 1 to {MAX_REMINDERS} durations: {text!r}")
    return tuple(offsets)


def reminders_setting(offsets: tuple[timedelta, ...] | None) -> str | None:
    """How reminder offsets are stored (``"72h,24h,3h"``, ``"off"`` for none; None: the
    default, i.e. no value)."""
    if offsets is None:
        return None
    return ",".join(offset_label(o) for o in offsets) if offsets else "off"


def turnout_setting(offset: timedelta | None) -> str:
    """How the turnout check is stored (``"24h"``; ``"off"`` for none)."""
    return "off" if offset is None else offset_label(offset)


def with_setting(
    settings: Mapping[str, Any] | None, key: str, value: str | None
) -> dict[str, Any]:
    """New settings with ``key`` set to ``value`` (None: removed, the default applies)."""
    changed = dict(settings or {})
    if value is None:
        changed.pop(key, None)
    else:
        changed[key] = value
    return changed


@dataclass(frozen=True, slots=True)
class Nudges:
    """When polls remind their non-voters and check turnout, before the close."""

    reminders: tuple[timedelta, ...] = DEFAULT_REMINDER_OFFSETS
    turnout: timedelta | None = DEFAULT_TURNOUT_ALERT

    @staticmethod
    def from_settings(settings: Mapping[str, Any] | None) -> Nudges:
        """Read the organisation's settings (defaults for anything absent or malformed)."""
        settings = settings or {}
        reminders = DEFAULT_REMINDER_OFFSETS
        raw = settings.get(REMINDER_OFFSETS)
        if raw == "off":
            reminders = ()
        elif isinstance(raw, str):
            try:
                reminders = tuple(parse_duration(part) for part in raw.split(",") if part.strip())
            except ValueError:
                reminders = DEFAULT_REMINDER_OFFSETS
        turnout: timedelta | None = DEFAULT_TURNOUT_ALERT
        raw = settings.get(TURNOUT_ALERT)
        if raw == "off":
            turnout = None
        elif isinstance(raw, str):
            try:
                turnout = parse_duration(raw)
            except ValueError:
                turnout = DEFAULT_TURNOUT_ALERT
        return Nudges(reminders, turnout)


@dataclass(frozen=True, slots=True)
class AnnounceChat:
    """A group chat or room where new polls are announced."""

    platform: str
    chat_key: str
    title: str
    by: int

    def to_json(self) -> dict[str, Any]:
        """As stored in the settings."""
        return {
            "platform": self.platform,
            "chat_key": self.chat_key,
            "title": self.title,
            "by": self.by,
        }


def announce_chats(settings: Mapping[str, Any] | None) -> list[AnnounceChat]:
    """The organisation's announcement chats."""
    found = []
    for raw in (settings or {}).get(ANNOUNCE_CHATS) or []:
        try:
            found.append(
                AnnounceChat(
                    str(raw["platform"]),
                    str(raw["chat_key"]),
                    str(raw.get("title") or ""),
                    int(raw["by"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return found


def with_chats(settings: Mapping[str, Any] | None, chats: list[AnnounceChat]) -> dict[str, Any]:
    """New settings with this list of announcement chats (other keys kept)."""
    return {**dict(settings or {}), ANNOUNCE_CHATS: [chat.to_json() for chat in chats]}
