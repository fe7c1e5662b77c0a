"""Split Telegram HTML into messages of at most N visible characters, never inside a word,
an HTML entity or a tag; formatting open at a cut is closed and reopened in the next part."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

TELEGRAM_MAX_TEXT = 4096
_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});|.", re.S)
_TAG = re.compile(r"<[^<>]*>")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    kind: str  # "open", "close", "space", "newline", "char"
    width: int  # visible width in UTF-16 code units (Telegram counts those)
    name: str = ""


@dataclass(frozen=True, slots=True)
class _Cut:
    next_index: int  # where the next part starts in the token list
    kept: int  # how many tokens of the current part are kept
    stack: tuple[_Token, ...]  # open tags at the cut
    width: int  # visible width kept


def utf16_width(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _tokenize(html: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(html):
        raw = match.group()
        if raw.startswith("<") and len(raw) > 1:
            name = _TAG_NAME.match(raw)
            tag = name.group(1).lower() if name else ""
            tokens.append(_Token(raw, "close" if raw.startswith("</") else "open", 0, tag))
        elif raw == "\n":
            tokens.append(_Token(raw, "newline", 1))
        elif raw.isspace():
            tokens.append(_Token(raw, "space", utf16_width(raw)))
        else:
            tokens.append(
                _Token(
                    raw, "char", utf16_width(unescape(raw)) if len(raw) > 1 else utf16_width(raw)
                )
            )
    return tokens


def _render(opening: tuple[_Token, ...], body: list[_Token], closing: tuple[_Token, ...]) -> str:
    reopen = "".join(tag.raw for tag in opening)
    close = "".join(f"</{tag.name}>" for tag in reversed(closing))
    return reopen + "".join(token.raw for token in body) + close


def split_html(html: str, limit: int = TELEGRAM_MAX_TEXT) -> list[str]:
    """Parts of `html`, each with at most `limit` visible characters and balanced tags.

    Cuts prefer a line break in the second half of a part, then the last space; a word
    longer than a whole part is cut where it must be. Whitespace at a cut is dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    if utf16_width(html) <= limit and html.strip():  # tags and entities only add width
        stripped = html.strip()
        return [stripped] if _has_visible_text(stripped) else []
    tokens = _tokenize(html)
    parts: list[str] = []
    stack: tuple[_Token, ...] = ()
    index = 0
    while index < len(tokens):
        cut, body, end_stack, finished = _fill(tokens, index, stack, limit)
        if finished:
            if any(t.kind == "char" for t in body):
                parts.append(_render(stack, _strip_trailing(body), end_stack))
            break
        closing, cut = _closing_tags_after(tokens, cut)
        kept = _strip_trailing(body[: cut.kept] + closing)
        if any(t.kind == "char" for t in kept):
            parts.append(_render(stack, kept, cut.stack))
        stack, index = cut.stack, cut.next_index
    return parts


def _has_visible_text(html: str) -> bool:
    return bool(_TAG.sub("", html).strip())


def _fill(
    tokens: list[_Token], index: int, stack: tuple[_Token, ...], limit: int
) -> tuple[_Cut, list[_Token], tuple[_Token, ...], bool]:
    """Take tokens from `index` until the part is full; return where to cut."""
    body: list[_Token] = []
    open_tags = list(stack)
    width = 0
    newline_cut: _Cut | None = None
    space_cut: _Cut | None = None
    hard_cut = _Cut(index, 0, stack, 0)
    position = index
    while position < len(tokens):
        token = tokens[position]
        if token.kind == "open":
            open_tags.append(token)
        elif token.kind == "close":
            _close(open_tags, token.name)
        elif width == 0 and token.kind in ("space", "newline"):
            position += 1  # no leading whitespace in a part
            continue
        elif width + token.width > limit:
            cut = _choose(newline_cut, space_cut, hard_cut, limit)
            if cut.kept == 0:  # a single character wider than the limit: keep it anyway
                body.append(token)
                cut = _Cut(position + 1, len(body), tuple(open_tags), width + token.width)
            return cut, body, tuple(open_tags), False
        else:
            width += token.width
        body.append(token)
        position += 1
        here = _Cut(position, len(body), tuple(open_tags), width)
        if token.kind == "newline":
            newline_cut = here
        elif token.kind == "space":
            space_cut = here
        elif token.kind == "char":
            hard_cut = here
    return hard_cut, body, tuple(open_tags), True


def _closing_tags_after(tokens: list[_Token], cut: _Cut) -> tuple[list[_Token], _Cut]:
    """Keep closing tags that follow a cut in the part, so the next one does not begin
    with an empty `<b></b>`."""
    closing: list[_Token] = []
    open_tags = list(cut.stack)
    position = cut.next_index
    while position < len(tokens) and tokens[position].kind == "close":
        closing.append(tokens[position])
        _close(open_tags, tokens[position].name)
        position += 1
    return closing, _Cut(position, cut.kept, tuple(open_tags), cut.width)


def _choose(newline: _Cut | None, space: _Cut | None, hard: _Cut, limit: int) -> _Cut:
    if newline is not None and newline.width * 2 >= limit:
        return newline
    if space is not None:
        return space
    if newline is not None:
        return newline
    return hard


def _close(open_tags: list[_Token], name: str) -> None:
    for position in range(len(open_tags) - 1, -1, -1):
        if open_tags[position].name == name:
            del open_tags[position]
            return


def _strip_trailing(body: list[_Token]) -> list[_Token]:
    """Drop whitespace at the end of a part (tags after it are kept)."""
    kept = list(body)
    position = len(kept) - 1
    while position >= 0 and kept[position].kind != "char":
        if kept[position].kind in ("space", "newline"):
            del kept[position]
        position -= 1
    return kept
