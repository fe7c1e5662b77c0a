"""Matrix events read into what a person did (pure: events built from JSON, no server)."""

from __future__ import annotations

from typing import Any

import pytest
from nio import Event

from bot.platforms.matrix import polls
from bot.platforms.matrix.inbound import (
    PollAnswer,
    Reacted,
    SentFile,
    TypedText,
    classify,
    reaction_number,
    strip_reply_fallback,
)
from bot.platforms.ports import Command, TextInput
from bot.platforms.text_commands import parse_text

BOT = "@parvis:localhost"
ALICE = "@alice:localhost"


def event(event_type: str, content: dict[str, Any], sender: str = ALICE) -> Event:
    return Event.parse_event(
        {
            "type": event_type,
            "event_id": "$ev1",
            "sender": sender,
            "origin_server_ts": 1_700_000_000_000,
            "content": content,
        }
    )


def text(body: str, sender: str = ALICE, **extra: Any) -> Event:
    return event("m.room.message", {"msgtype": "m.text", "body": body, **extra}, sender)


def test_text_and_commands() -> None:
    assert classify(text("!weights 40/40/20"), BOT) == TypedText("!weights 40/40/20")
    assert parse_text("!weights 40/40/20") == Command("weights", ("40/40/20",), "40/40/20")
    assert parse_text("/help") == Command("help")
    assert parse_text("2") == TextInput("2")


def test_ignored_events() -> None:
    assert classify(text("!help", sender=BOT), BOT) is None  # our own messages
    notice = event("m.room.message", {"msgtype": "m.notice", "body": "!help"})
    assert classify(notice, BOT) is None  # notices are bots talking
    emote = event("m.room.message", {"msgtype": "m.emote", "body": "waves"})
    assert classify(emote, BOT) is None
    edit = text(
        "* !weights 60/30/10",
        **{
            "m.new_content": {"msgtype": "m.text", "body": "!weights 60/30/10"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$old"},
        },
    )
    assert classify(edit, BOT) is None  # an edit does not act a second time
    assert classify(text("   "), BOT) is None
    assert classify(event("m.room.topic", {"topic": "x"}), BOT) is None


def test_reply_fallback_is_removed() -> None:
    body = "> <@parvis:localhost> Choisissez\n> 1. Oui\n\n2"
    assert strip_reply_fallback(body) == "2"
    assert classify(text(body), BOT) == TypedText("2")
    assert strip_reply_fallback("> a quote I typed myself") == "> a quote I typed myself"


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("1️⃣", 1),
        ("2\u20e3", 2),
        ("9️⃣", 9),
        ("🔟", 10),
        ("3", 3),
        ("👍", None),
        ("", None),
        ("١", None),
        ("12345", None),
    ],
)
def test_reaction_numbers(key: str, number: int | None) -> None:
    assert reaction_number(key) == number


def test_reactions() -> None:
    reaction = event(
        "m.reaction",
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$menu", "key": "2️⃣"}},
    )
    assert classify(reaction, BOT) == Reacted("$menu", 2)
    thumbs = event(
        "m.reaction",
        {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$menu", "key": "👍"}},
    )
    assert classify(thumbs, BOT) is None


def test_plain_file() -> None:
    sent = event(
        "m.room.message",
        {
            "msgtype": "m.file",
            "body": "roster.csv",
            "url": "mxc://localhost/abc",
            "info": {"mimetype": "text/csv", "size": 120},
        },
    )
    assert classify(sent, BOT) == SentFile(
        "roster.csv", "mxc://localhost/abc", 120, "text/csv", None
    )


def test_encrypted_file_after_decryption() -> None:
    from nio.events.room_events import RoomMessage

    source = {
        "type": "m.room.message",
        "event_id": "$f",
        "sender": ALICE,
        "origin_server_ts": 1,
        "content": {
            "msgtype": "m.file",
            "body": "Liste des membres",
            "filename": "roster.csv",
            "file": {
                "url": "mxc://localhost/enc",
                "key": {"k": "KEY", "alg": "A256CTR"},
                "iv": "IV",
                "hashes": {"sha256": "H"},
                "v": "v2",
            },
            "info": {"mimetype": "text/csv"},
        },
    }
    decrypted = RoomMessage.parse_decrypted_event(source)
    found = classify(decrypted, BOT)
    assert isinstance(found, SentFile)
    assert found.filename == "roster.csv" and found.caption == "Liste des membres"
    assert found.mxc == "mxc://localhost/enc" and found.size is None
    assert found.encryption == {
        "key": {"k": "KEY", "alg": "A256CTR"},
        "hashes": {"sha256": "H"},
        "iv": "IV",
    }


def test_poll_responses_in_both_forms() -> None:
    relates = {"rel_type": "m.reference", "event_id": "$poll"}
    unstable = event(
        polls.RESPONSE, {"m.relates_to": relates, polls.RESPONSE: {"answers": ["a2"]}}
    )
    assert classify(unstable, BOT) == PollAnswer("$poll", ("a2",))
    stable = event(polls.STABLE_RESPONSE, {"m.relates_to": relates, "m.selections": ["a1"]})
    assert classify(stable, BOT) == PollAnswer("$poll", ("a1",))
    android = event(
        polls.STABLE_RESPONSE, {"m.relates_to": relates, "m.response": {"answers": ["a3"]}}
    )
    assert classify(android, BOT) == PollAnswer("$poll", ("a3",))
    broken = event(polls.RESPONSE, {"m.relates_to": relates, polls.RESPONSE: {"answers": [3]}})
    assert classify(broken, BOT) is None
    unrelated = event(polls.RESPONSE, {polls.RESPONSE: {"answers": ["a1"]}})
    assert classify(unrelated, BOT) is None


def test_poll_contents() -> None:
    start = polls.start_content("On vote ?", ["Oui", "Non"])
    inner = start[polls.START]
    assert start["body"] == "On vote ?\n1. Oui\n2. Non"
    assert inner["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert [a["id"] for a in inner["answers"]] == ["a1", "a2"]
    assert [polls.answer_index(a["id"]) for a in inner["answers"]] == [0, 1]
    assert polls.answer_index("b") is None and polls.answer_index("a0") is None
    end = polls.end_content("$poll", "Oui 3, Non 1")
    assert end["m.relates_to"]["event_id"] == "$poll" and end["body"] == "Oui 3, Non 1"
