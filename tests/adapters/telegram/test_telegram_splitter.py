"""Splitting long Telegram HTML: limits, words, tags and formatting (hypothesis)."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.telegram.splitter import split_html, utf16_width
from tests.telegram_emulator.htmltext import parse_html

STYLES = ["", "b", "i", "b,i", "u"]
ALPHABET = st.sampled_from([*"abcdefghij  \n\n<>&\"'éàç", "😀", "𝄞", "\u00a0", "\t", "ß", "字"])


def build(segments: list[tuple[str, str]]) -> str:
    """HTML from (text, styles) segments, escaped like the renderer does."""
    out = []
    for text, style in segments:
        tags = [t for t in style.split(",") if t]
        out.append(
            "".join(f"<{t}>" for t in tags)
            + html.escape(text, quote=False)
            + "".join(f"</{t}>" for t in reversed(tags))
        )
    return "".join(out)


def styled_units(source: str) -> list[tuple[str, frozenset[str]]]:
    """Every non-whitespace UTF-16 unit of the visible text with the styles covering it."""
    text, entities = parse_html(source)
    units = text.encode("utf-16-le")
    styles: list[set[str]] = [set() for _ in range(len(units) // 2)]
    for entity in entities:
        for index in range(entity["offset"], entity["offset"] + entity["length"]):
            styles[index].add(entity["type"])
    result = []
    for index in range(len(styles)):
        unit = units[2 * index : 2 * index + 2].decode("utf-16-le", errors="surrogatepass")
        if not unit.isspace():
            result.append((unit, frozenset(styles[index])))
    return result


segments = st.lists(
    st.tuples(st.text(ALPHABET, max_size=40), st.sampled_from(STYLES)), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(segments, st.integers(min_value=2, max_value=120))
def test_parts_fit_parse_and_keep_everything(parts_of: list[tuple[str, str]], limit: int) -> None:
    source = build(parts_of)
    parts = split_html(source, limit)
    for part in parts:
        text, _ = parse_html(part)  # raises on unbalanced or broken HTML
        assert 0 < utf16_width(text) <= limit
        assert text.strip(), "no blank part"
    assert [u for p in parts for u in styled_units(p)] == styled_units(source)


@settings(max_examples=300, deadline=None)
@given(segments, st.integers(min_value=2, max_value=120))
def test_words_that_fit_are_never_broken(parts_of: list[tuple[str, str]], limit: int) -> None:
    source = build(parts_of)
    visible, _ = parse_html(source)
    if any(utf16_width(word) > limit for word in visible.split()):
        return
    parts = split_html(source, limit)
    assert [w for p in parts for w in parse_html(p)[0].split()] == visible.split()


def test_short_text_is_one_part_unchanged() -> None:
    assert split_html("<b>Title</b>\nbody &amp; more") == ["<b>Title</b>\nbody &amp; more"]


def test_ten_kilobytes_become_three_telegram_messages() -> None:
    text = " ".join(["parvis"] * 1500)  # 10,499 characters
    parts = split_html(text)
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == text


def test_formatting_is_closed_and_reopened_across_parts() -> None:
    assert split_html("<b>one two three</b>", 8) == ["<b>one two</b>", "<b>three</b>"]


def test_prefers_a_line_break_in_the_second_half() -> None:
    assert split_html("aaaa bbbb\ncc dd ee", 14) == ["aaaa bbbb", "cc dd ee"]


def test_entities_are_never_cut() -> None:
    parts = split_html("&amp;&amp;&amp;&amp;", 3)
    assert parts == ["&amp;&amp;&amp;", "&amp;"]


def test_a_word_longer_than_a_part_is_cut_where_it_must() -> None:
    assert split_html("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_astral_characters_count_twice() -> None:
    assert split_html("😀😀😀", 4) == ["😀😀", "😀"]


def test_whitespace_only_gives_nothing() -> None:
    assert split_html("  \n ") == []


def test_limit_must_allow_one_character() -> None:
    with pytest.raises(ValueError):
        split_html("abc", 1)
