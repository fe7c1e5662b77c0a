"""Screens rendered as Matrix contents: plain body, escaped HTML, numbered choices, splitting."""

from __future__ import annotations

import json

from bot.platforms.matrix import outbound
from bot.platforms.ports import Action, Attachment, Button, Screen, Tone


def test_plain_screen_is_a_notice_with_both_forms() -> None:
    [message] = outbound.render_screen(Screen(text="Bonjour\nà tous"))
    assert message.content == {
        "msgtype": "m.notice",
        "body": "Bonjour\nà tous",
        "format": "org.matrix.custom.html",
        "formatted_body": "<p>Bonjour<br>à tous</p>",
    }
    assert message.actions == ()


def test_title_tone_and_numbered_choices() -> None:
    screen = Screen(
        title="Langue",
        text="Choisissez",
        tone=Tone.SUCCESS,
        buttons=(
            (
                Button("Français", Action("lang", ("fr",))),
                Button("English", Action("lang", ("en",))),
            ),
            (Button("Aide", url="https://example.org/a?b=1&c=2"),),
        ),
    )
    [message] = outbound.render_screen(screen)
    assert message.content["body"] == (
        "✓ Langue\n\nChoisissez\n\n1. Français\n2. English\nAide: https://example.org/a?b=1&c=2"
    )
    html = message.content["formatted_body"]
    assert html.startswith("<strong>✓ Langue</strong><p>Choisissez</p>")
    assert "<ol><li>Français</li><li>English</li></ol>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2">Aide</a>' in html
    assert message.actions == (Action("lang", ("fr",)), Action("lang", ("en",)))


def test_people_text_is_escaped_never_rendered() -> None:
    [message] = outbound.render_screen(
        Screen(
            title="<script>",
            text='a & b <img src=x onerror="alert(1)">',
            buttons=((Button("<b>x</b>", Action("v", (1,))),),),
        )
    )
    html = message.content["formatted_body"]
    assert "<script>" not in html and "<img" not in html and "<b>x" not in html
    assert "&lt;script&gt;" in html and "&amp; b" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<img" in message.content["body"]  # the plain body keeps the text as typed


def test_long_text_is_split_at_lines_title_first_choices_last() -> None:
    lines = [f"ligne {n:05d} " + "x" * 80 for n in range(600)]
    screen = Screen(title="Liste", text="\n".join(lines), buttons=((Button("OK", Action("ok")),),))
    messages = outbound.render_screen(screen)
    assert len(messages) >= 3
    assert messages[0].content["body"].startswith("Liste\n\nligne 00000")
    assert all("Liste" not in m.content["body"] for m in messages[1:])
    assert messages[-1].actions == (Action("ok"),) and all(not m.actions for m in messages[:-1])
    joined = "\n".join(m.content["body"] for m in messages)
    assert all(line in joined for line in lines)  # nothing lost, no line cut
    assert all(outbound.content_size(m.content) <= outbound.MAX_CONTENT_BYTES for m in messages)


def test_escaping_heavy_text_still_fits_in_an_event() -> None:
    messages = outbound.render_screen(Screen(text="&" * 40_000))
    assert sum(m.content["body"].count("&") for m in messages) == 40_000
    assert all(outbound.content_size(m.content) <= outbound.MAX_CONTENT_BYTES for m in messages)


def test_split_text_handles_a_single_huge_line() -> None:
    pieces = outbound.split_text("y" * 25, limit=10)
    assert pieces == ["y" * 10, "y" * 10, "y" * 5]


def test_edit_uses_m_replace_with_new_content() -> None:
    [message] = outbound.render_screen(Screen(text="Nouveau"))
    edit = outbound.edit_content("$original", message.content)
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$original"}
    assert edit["m.new_content"] == message.content
    assert edit["body"] == "* Nouveau" and edit["msgtype"] == "m.notice"


def test_media_contents_plain_and_encrypted() -> None:
    chart = Attachment("results.png", b"\x89PNG...", "image/png", "Résultats")
    plain = outbound.media_content(chart, "mxc://localhost/abc", None)
    assert plain["msgtype"] == "m.image" and plain["url"] == "mxc://localhost/abc"
    assert plain["body"] == "Résultats" and plain["info"] == {"mimetype": "image/png", "size": 7}
    export = Attachment("votes.csv", b"a,b\n", "text/csv")
    keys = {"url": "mxc://localhost/def", "key": {"k": "K"}, "iv": "IV", "hashes": {}, "v": "v2"}
    encrypted = outbound.media_content(export, None, keys)
    assert encrypted["msgtype"] == "m.file" and "url" not in encrypted
    assert encrypted["file"]["url"] == "mxc://localhost/def"
    assert encrypted["filename"] == "votes.csv"
    json.dumps(encrypted)


def test_reaction_content() -> None:
    assert outbound.reaction_content("$e", "1️⃣") == {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": "$e", "key": "1️⃣"}
    }


def test_attachments_only_screen_has_no_text_message() -> None:
    chart = Attachment("c.png", b"x", "image/png")
    assert outbound.render_screen(Screen(text="", attachments=(chart,))) == []


def test_group_rooms_get_no_numbered_choices_but_keep_links() -> None:
    answer = Button("Answer now", Action("ans", (4,)))
    site = Button("Website", url="https://example.org")
    screen = Screen(text="New poll", buttons=((answer, site), (answer,)))
    kept = outbound.without_actions(screen)
    assert kept.buttons == ((site,),) and kept.text == "New poll"
    plain = Screen(text="x", buttons=((site,),))
    assert outbound.without_actions(plain) is plain
