"""Rough validation of Telegram's ``parse_mode=HTML`` and conversion to text + entities.

Telegram accepts a small, strict subset of HTML: only the tags in :data:`TAG_ENTITY`, every
tag must be closed in order, and ``<``/``>``/``&`` must be escaped. Errors are reported as
``Bad Request: can't parse entities: ...`` like the real server. Offsets of the produced
entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request

TAG_ENTITY: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9-]*)\s*(?:=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    language: str | None = None


def _error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body.lower())
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _parse_attrs(source: str, raw: str, index: int) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.rstrip("/").rstrip()
    while pos < len(raw):
        match = _ATTR_RE.match(raw, pos)
        if match is None or match.end() == pos:
            raise _error(
                f"Expected equal sign in declaration of an attribute of a tag at "
                f"byte offset {_byte_offset(source, index)}"
            )
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[match.group(1).lower()] = parse_plain_entities(value)
        pos = match.end()
    return attrs


def parse_plain_entities(text: str) -> str:
    """Decode the HTML character references Telegram understands; keep unknown ones as is."""

    def repl(match: re.Match[str]) -> str:
        decoded = _decode_entity(match)
        return match.group(0) if decoded is None else decoded

    return _ENTITY_RE.sub(repl, text)


def _entity_for(tag: _OpenTag, end: int, source: str, index: int) -> dict[str, Any] | None:
    length = end - tag.offset
    kind = TAG_ENTITY[tag.name]
    entity: dict[str, Any] = {"type": kind, "offset": tag.offset, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        emoji_id = tag.attrs.get("emoji-id")
        if not emoji_id:
            raise _error(
                f"Custom emoji identifier must be specified at byte offset "
                f"{_byte_offset(source, index)}"
            )
        entity["custom_emoji_id"] = emoji_id
    return entity if length > 0 else None


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)``.

    Raises :class:`ApiError` (400) for unsupported tags, unbalanced tags and stray ``<``.
    """
    out: list[str] = []
    offset = 0  # UTF-16 offset in the produced text
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            decoded = _decode_entity(match) if match else None
            if match and decoded is not None:
                out.append(decoded)
                offset += utf16_len(decoded)
                i = match.end()
                continue
            out.append("&")
            offset += 1
            i += 1
            continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue
        close = source.find(">", i)
        if close == -1:
            raise _error(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        inner = source[i + 1 : close]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _error(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            top = stack.pop()
            if name and name != top.name:
                raise _error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            _close_tag(top, stack, entities, offset, source, i)
        else:
            stack.append(_open_tag(source, inner, i, offset))
        i = close + 1
    if stack:
        raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(source: str, inner: str, index: int, offset: int) -> _OpenTag:
    match = _TAG_NAME_RE.match(inner)
    name = match.group(0).lower() if match else ""
    if name not in TAG_ENTITY:
        raise _error(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, index)}'
        )
    attrs = _parse_attrs(source, inner[len(name) :], index)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _error(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, index)}'
        )
    return _OpenTag(name=name, attrs=attrs, offset=offset)


def _close_tag(
    tag: _OpenTag,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
    offset: int,
    source: str,
    index: int,
) -> None:
    language = tag.attrs.get("class", "")
    parent = stack[-1] if stack else None
    if (
        tag.name == "code"
        and parent is not None
        and parent.name == "pre"
        and language.startswith("language-")
        and tag.offset == parent.offset
    ):
        parent.language = language.removeprefix("language-")
        return
    entity = _entity_for(tag, offset, source, index)
    if entity is not None:
        entities.append(entity)
