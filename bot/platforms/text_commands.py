"""Reading typed text into intents, shared by every adapter."""

from __future__ import annotations

import re

from bot.platforms.ports import Command, Intent, TextInput

_COMMAND = re.compile(r"^[/!]([^\s@/!]{1,64})(?:@(\S+))?(?:\s+(.*))?$", re.DOTALL)


def parse_text(text: str, bot_username: str | None = None) -> Intent:
    """`/cmd args`, `!cmd args` (and `/cmd@bot`) become a Command; anything else TextInput."""
    stripped = text.strip()
    match = _COMMAND.match(stripped)
    if not match:
        return TextInput(text)
    name, target, raw = match[1], match[2], (match[3] or "").strip()
    if target and bot_username and target.lower() != bot_username.lower():
        return TextInput(text)
    return Command(name=name.lower(), args=tuple(raw.split()), raw_args=raw)
