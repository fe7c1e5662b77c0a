"""Buttons of group chats as deep links into the private chat (pure).

In a group, a button acts for whoever presses it, and what follows (a ballot, a review, a
personal setting) is nobody else's business. So group messages never carry callback buttons:
each action button becomes `https://t.me/<bot>?start=do-<action>`, which opens the private
chat with the bot and sends `/start do-<action>` there; the adapter turns that back into the
same action. Ballots are therefore only ever collected in private chats, without the handlers
having to know which chat they answer in.

Deep-link payloads allow `A-Z a-z 0-9 _ -` and 64 characters: the action's codec string is
escaped with `-` (`:` → `_`, `_` → `-u`, `~` → `-t`, `-` → `-m`); actions that do not fit are
left out of group messages.
"""

from __future__ import annotations

import re

from bot.platforms import actions as codec
from bot.platforms.ports import Action

PREFIX = "do-"
MAX_PAYLOAD = 64
_PLAIN = re.compile(r"^[A-Za-z0-9:_~-]*$")
_ESCAPES = {":": "_", "_": "-u", "~": "-t", "-": "-m"}
_UNESCAPES = {"u": "_", "t": "~", "m": "-"}


def payload_for(action: Action) -> str | None:
    """The `start` payload opening `action` in the private chat, or None if it cannot."""
    try:
        data = codec.encode(action)
    except codec.ActionCodecError:
        return None
    if not _PLAIN.match(data):
        return None
    payload = PREFIX + "".join(_ESCAPES.get(c, c) for c in data)
    return payload if len(payload) <= MAX_PAYLOAD else None


def action_from(payload: str) -> Action | None:
    """The action a `start` payload stands for, or None if it is not one of ours."""
    if not payload.startswith(PREFIX):
        return None
    body, chars, index = payload[len(PREFIX) :], [], 0
    while index < len(body):
        char = body[index]
        if char == "_":
            chars.append(":")
        elif char == "-":
            index += 1
            if index == len(body) or body[index] not in _UNESCAPES:
                return None
            chars.append(_UNESCAPES[body[index]])
        elif char.isascii() and char.isalnum():
            chars.append(char)
        else:
            return None
        index += 1
    try:
        return codec.decode("".join(chars))
    except codec.ActionCodecError:
        return None
