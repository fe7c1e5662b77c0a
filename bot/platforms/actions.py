"""Compact action codec: `verb:arg:arg`, at most 64 bytes (Telegram's callback_data limit)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.platforms.ports import Action, Screen

MAX_BYTES = 64
_SEP = ":"
_FORBIDDEN = frozenset(":\n\r")


class ActionCodecError(ValueError):
    """The data does not encode a valid action."""


def encode(action: Action) -> str:
    """Encode an action; integers stay digits, strings are prefixed with `~` when ambiguous."""
    if not action.verb or any(c in _FORBIDDEN or c.isspace() for c in action.verb):
        raise ActionCodecError(f"bad verb {action.verb!r}")
    parts = [action.verb]
    for arg in action.args:
        if isinstance(arg, bool):
            raise ActionCodecError("booleans are not allowed")
        if isinstance(arg, int):
            parts.append(str(arg))
            continue
        if any(c in _FORBIDDEN for c in arg):
            raise ActionCodecError(f"bad argument {arg!r}")
        needs_mark = arg.startswith("~") or _looks_int(arg)
        parts.append("~" + arg if needs_mark else arg)
    data = _SEP.join(parts)
    try:
        size = len(data.encode())
    except UnicodeEncodeError as error:
        raise ActionCodecError("not encodable as UTF-8") from error
    if size > MAX_BYTES:
        raise ActionCodecError(f"action too long ({size} bytes)")
    return data


def decode(data: str) -> Action:
    """Decode what `encode` produced; raise ActionCodecError on anything else."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise ActionCodecError("empty or too long")
    verb, *raw = data.split(_SEP)
    if not verb or any(c.isspace() for c in verb):
        raise ActionCodecError("bad verb")
    args: list[int | str] = []
    for item in raw:
        if item.startswith("~"):
            args.append(item[1:])
        elif _looks_int(item):
            args.append(int(item))
        else:
            args.append(item)
    return Action(verb, tuple(args))


def _looks_int(text: str) -> bool:
    body = text[1:] if text.startswith("-") else text
    return body.isdigit() and body.isascii() and (body == "0" or not body.startswith("0"))


def menu_of(screens: Sequence[Screen]) -> list[str]:
    """The encoded actions a typed number presses after these screens are shown: the buttons
    of the last screen that has action buttons, in reading order (none: an empty list)."""
    for screen in reversed(screens):
        actions = [encode(b.action) for b in screen.all_buttons() if b.action is not None]
        if actions:
            return actions
    return []
