"""Telegram-flavoured HTML parsing (parse_mode=HTML)."""

from __future__ import annotations

import pytest

from tests.telegram_emulator.errors import ApiError
from tests.telegram_emulator.htmltext import parse_html


def test_entities_with_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>gras <i>&amp; it</i></b> &lt;ok&gt; &#233;")
    assert text == "😀 gras & it <ok> é"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},  # the emoji counts 2 UTF-16 units
        {"type": "italic", "offset": 8, "length": 4},
    ]


def test_links_pre_language_spoilers_and_quotes() -> None:
    text, entities = parse_html(
        '<a href="https://coop.example/?a=1&amp;b=2">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>'
    )
    assert text == "site x = 1 sq"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://coop.example/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 11, "length": 1},
        {"type": "expandable_blockquote", "offset": 12, "length": 1},
    ]


def test_unknown_named_entity_and_bare_ampersand_are_kept() -> None:
    assert parse_html("a & b &nbsp; c")[0] == "a & b &nbsp; c"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", "Unclosed start tag at byte offset 2"),
        ("1 <2> 3", 'Unsupported start tag "" at byte offset 2'),
        ("é <b", "Unclosed start tag at byte offset 3"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_invalid_html_is_rejected(source: str, message: str) -> None:
    with pytest.raises(ApiError) as error:
        parse_html(source)
    assert error.value.code == 400
    assert error.value.description.startswith(f"Bad Request: can't parse entities: {message}")
