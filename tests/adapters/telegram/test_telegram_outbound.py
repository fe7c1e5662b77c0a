"""Screens rendered as Telegram HTML and inline keyboards (pure)."""

from __future__ import annotations

from bot.platforms import actions as codec
from bot.platforms.ports import Action, Attachment, Button, Screen, Tone
from bot.platforms.telegram.outbound import (
    CAPABILITIES,
    DEEP_LINK_PREFIX,
    caption_html,
    keyboard,
    render,
    screen_html,
)
from tests.telegram_emulator.htmltext import parse_html


def test_text_is_escaped_and_title_bold_with_tone_mark() -> None:
    html = screen_html(Screen(text="a <b> & c > d", title="Vote <1>", tone=Tone.SUCCESS))
    assert html == "<b>✅ Vote &lt;1&gt;</b>\na &lt;b&gt; &amp; c &gt; d"
    text, entities = parse_html(html)
    assert text == "✅ Vote <1>\na <b> & c > d"
    assert entities[0]["type"] == "bold"


def test_without_title_the_mark_prefixes_the_text() -> None:
    assert screen_html(Screen(text="Refused", tone=Tone.ERROR)) == "❌ Refused"
    assert screen_html(Screen(text="")) == ""
    assert screen_html(Screen(text="", title="Only")) == "<b>Only</b>"


def test_buttons_become_rows_of_callback_and_url_buttons() -> None:
    screen = Screen(
        text="Choose",
        buttons=(
            (
                Button("Français", Action("lang", ("fr",))),
                Button("English", Action("lang", ("en",))),
            ),
            (Button("Open", url="https://example.org/x"),),
            (Button("Vote in private", url=f"{DEEP_LINK_PREFIX}p42"),),
            (Button("inert"),),
        ),
    )
    markup = keyboard(screen, "parvis_bot")
    assert markup is not None
    rows = markup.to_dict()["inline_keyboard"]
    assert rows == [
        [
            {"text": "Français", "callback_data": "lang:fr"},
            {"text": "English", "callback_data": "lang:en"},
        ],
        [{"text": "Open", "url": "https://example.org/x"}],
        [{"text": "Vote in private", "url": "https://t.me/parvis_bot?start=p42"}],
    ]
    assert codec.decode(rows[0][1]["callback_data"]) == Action("lang", ("en",))


def test_no_buttons_no_keyboard() -> None:
    assert keyboard(Screen(text="x"), "bot") is None


def test_long_screens_are_split_and_keep_their_title_formatting() -> None:
    body = "\n".join(f"line {n} " + "word " * 20 for n in range(200))
    rendered = render(Screen(text=body, title="Members"), "bot")
    assert len(rendered.parts) > 1
    assert all(len(parse_html(p)[0]) <= CAPABILITIES.max_text for p in rendered.parts)
    assert rendered.parts[0].startswith("<b>Members</b>\nline 0")


def test_captions_are_escaped_and_cut_to_1024() -> None:
    attachment = Attachment("a.csv", b"x", "text/csv", caption="<codes> " * 300)
    caption = caption_html(attachment)
    assert caption is not None and caption.startswith("&lt;codes&gt;")
    assert len(parse_html(caption)[0]) <= 1024
    assert caption_html(Attachment("a.csv", b"x", "text/csv")) is None


def test_capabilities_declare_edits_buttons_and_toasts() -> None:
    assert CAPABILITIES.buttons and CAPABILITIES.edit_messages and CAPABILITIES.ephemeral_notice
    assert CAPABILITIES.max_text == 4096 and CAPABILITIES.command_prefix == "/"


def test_in_groups_action_buttons_become_deep_links_into_the_private_chat() -> None:
    screen = Screen(
        text="Vote",
        buttons=((Button("Yes", Action("pick", (4, 1, 1))), Button("Site", url="https://a.org")),),
    )
    rows = keyboard(screen, "parvis_bot", private=False).to_dict()["inline_keyboard"]
    assert rows == [
        [
            {"text": "Yes", "url": "https://t.me/parvis_bot?start=do-pick_4_1_1"},
            {"text": "Site", "url": "https://a.org"},
        ]
    ]
    assert render(screen, "parvis_bot", private=False).keyboard is not None
