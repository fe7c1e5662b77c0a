"""Screens as Matrix message contents: plain `body` + escaped HTML `formatted_body`.

Matrix has no buttons: choices become a numbered list ("1. Oui") that people answer by typing
the number (or reacting with 1️⃣ 2️⃣ ...). Bot messages use the `m.notice` msgtype. Pure
functions only: no nio, no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from bot.platforms.ports import Action, Attachment, Button, Screen, Tone

MSGTYPE = "m.notice"
#: Characters of text per message; longer screens are split at line boundaries.
CHUNK_CHARS = 16_000
#: Matrix events must stay under 65,536 bytes; keep a margin for the envelope and encryption.
MAX_CONTENT_BYTES = 48_000
TONE_MARK = {Tone.INFO: "", Tone.SUCCESS: "✓ ", Tone.WARNING: "⚠️ ", Tone.ERROR: "✗ "}
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
#: Where a mention goes in a (translated) text given to `mention_content`: a private-use
#: character no translation contains.
MENTION = "\ue000"


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One `m.room.message` content and the actions of its numbered choices (if any)."""

    content: dict[str, Any]
    actions: tuple[Action, ...] = field(default=())


def html_lines(text: str) -> str:
    """Escape text for HTML and keep its line breaks."""
    return escape(text).replace("\n", "<br>")


def split_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Split text into pieces of at most `limit` characters, at line ends when possible."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [piece.rstrip("\n") for piece in pieces]


def _choices(buttons: list[Button]) -> tuple[list[str], list[str], list[Action]]:
    plain: list[str] = []
    items: list[str] = []
    actions: list[Action] = []
    links: list[str] = []
    for button in buttons:
        if button.action is not None:
            actions.append(button.action)
            plain.append(f"{len(actions)}. {button.label}")
            items.append(f"<li>{escape(button.label)}</li>")
        elif button.url:
            plain.append(f"{button.label}: {button.url}")
            links.append(f'<a href="{escape(button.url, quote=True)}">{escape(button.label)}</a>')
    html = [f"<ol>{''.join(items)}</ol>"] if items else []
    html += [f"<p>{link}</p>" for link in links]
    return plain, html, actions


def text_content(body: str, formatted: str) -> dict[str, Any]:
    """An `m.notice` content with both forms."""
    return {
        "msgtype": MSGTYPE,
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
    }


def mention_content(text: str, user_id: str, name: str, tone: Tone = Tone.INFO) -> dict[str, Any]:
    """An `m.notice` addressing a person: `MENTION` in `text` becomes their name (a link in
    HTML, which clients show as a pill), and `m.mentions` makes their client notify them."""
    mark = TONE_MARK[tone]
    link = f'<a href="https://matrix.to/#/{escape(user_id, quote=True)}">{escape(name)}</a>'
    content = text_content(
        mark + text.replace(MENTION, name), html_lines(mark + text).replace(MENTION, link)
    )
    content["m.mentions"] = {"user_ids": [user_id]}
    return content


def _render_piece(screen: Screen, text: str, first: bool, last: bool) -> RenderedMessage:
    plain: list[str] = []
    html: list[str] = []
    mark = TONE_MARK[screen.tone]
    if first and screen.title:
        plain.append(f"{mark}{screen.title}")
        html.append(f"<strong>{html_lines(mark + screen.title)}</strong>")
        mark = ""
    if text:
        plain.append(f"{mark if first else ''}{text}")
        html.append(f"<p>{html_lines((mark if first else '') + text)}</p>")
    actions: list[Action] = []
    if last:
        choice_plain, choice_html, actions = _choices(screen.all_buttons())
        if choice_plain:
            plain.append("\n".join(choice_plain))
            html.extend(choice_html)
    body = "\n\n".join(plain) if plain else " "
    return RenderedMessage(text_content(body, "".join(html) or escape(body)), tuple(actions))


def content_size(content: dict[str, Any]) -> int:
    """Bytes of a content once serialised."""
    return len(json.dumps(content, ensure_ascii=False).encode())


def without_actions(screen: Screen) -> Screen:
    """The screen without its action buttons (links kept), for group rooms: only commands are
    read there, so typing a choice's number or reacting to it would do nothing."""
    rows = tuple(
        kept for row in screen.buttons if (kept := tuple(b for b in row if b.action is None))
    )
    return screen if rows == screen.buttons else replace(screen, buttons=rows)


def render_screen(screen: Screen, chunk: int = CHUNK_CHARS) -> list[RenderedMessage]:
    """A screen's text messages (attachments are sent separately, after them)."""
    if not (screen.text.strip() or screen.title or screen.buttons):
        return []  # attachments only
    pieces = split_text(screen.text, chunk)
    rendered = [
        _render_piece(screen, piece, index == 0, index == len(pieces) - 1)
        for index, piece in enumerate(pieces)
    ]
    if any(content_size(r.content) > MAX_CONTENT_BYTES for r in rendered) and chunk > 500:
        return render_screen(screen, chunk // 2)
    return rendered


def edit_content(original_event_id: str, new: dict[str, Any]) -> dict[str, Any]:
    """An `m.replace` edit of a message: fallback text plus the new content."""
    return {
        "msgtype": new["msgtype"],
        "body": f"* {new['body']}",
        "format": "org.matrix.custom.html",
        "formatted_body": f"* {new.get('formatted_body', escape(new['body']))}",
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": original_event_id},
    }


def media_content(
    attachment: Attachment, url: str | None, encrypted_file: dict[str, Any] | None
) -> dict[str, Any]:
    """An `m.image` / `m.file` content for an uploaded attachment (plain `url` or E2EE `file`)."""
    content: dict[str, Any] = {
        "msgtype": "m.image" if attachment.is_image else "m.file",
        "body": attachment.caption or attachment.filename,
        "filename": attachment.filename,
        "info": {"mimetype": attachment.mime_type, "size": len(attachment.content)},
    }
    if encrypted_file is not None:
        content["file"] = {**encrypted_file, "mimetype": attachment.mime_type}
    else:
        content["url"] = url
    return content


def reaction_content(event_id: str, key: str) -> dict[str, Any]:
    """An `m.reaction` annotating a message."""
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
