"""Screens as terminal text: buttons become numbered choices `[1] Label`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.platforms.ports import Screen, Tone

_TONE_MARK = {Tone.INFO: "", Tone.SUCCESS: "✓ ", Tone.WARNING: "! ", Tone.ERROR: "✗ "}


def render_screen(screen: Screen, save: Callable[[str, bytes], Path]) -> str:
    """Plain text with a title line, the body, numbered buttons and saved attachments."""
    lines: list[str] = []
    if screen.title:
        lines.append(f"{_TONE_MARK[screen.tone]}{screen.title}")
        lines.append("─" * min(len(screen.title) + 2, 60))
        lines.append(screen.text)
    else:
        lines.append(f"{_TONE_MARK[screen.tone]}{screen.text}")
    number = 0
    for row in screen.buttons:
        cells = []
        for button in row:
            if button.action is not None:
                number += 1
                cells.append(f"[{number}] {button.label}")
            elif button.url:
                cells.append(f"{button.label}: {button.url}")
        if cells:
            lines.append("   ".join(cells))
    for attachment in screen.attachments:
        path = save(attachment.filename, attachment.content)
        lines.append(f"📎 {attachment.caption or attachment.filename}: {path}")
    return "\n".join(lines)
