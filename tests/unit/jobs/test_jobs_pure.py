"""Pure parts of the scheduled work: settings, report windows, and the screens themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from bot.i18n import Translator
from bot.jobs.admin_reports import window_of
from bot.jobs.settings import AnnounceChat, Nudges, announce_chats, parse_duration, with_chats
from bot.polls.model import Poll, PollKind, PollSpec, PollStatus
from bot.rendering.digest import digest_screen
from bot.rendering.notices import announcement_screen, reminder_screen, turnout_screen

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def poll(spec: PollSpec | None = None) -> Poll:
    spec = spec or PollSpec(
        title="Budget 2027", summary="Two pages.", closes_at=NOW + timedelta(days=3)
    )
    return Poll(id=7, organisation_id=1, status=PollStatus.OPEN, spec=spec)


def test_durations_and_nudges_read_from_the_settings() -> None:
    assert parse_duration("72h") == timedelta(hours=72)
    assert parse_duration("3j") == parse_duration("3d") == timedelta(days=3)
    assert parse_duration("90m") == timedelta(minutes=90)
    for bad in ("", "0h", "3 weeks", "h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert Nudges.from_settings(None) == Nudges()
    custom = Nudges.from_settings({"reminder_offsets": "48h, 2h", "turnout_alert": "off"})
    assert custom == Nudges((timedelta(hours=48), timedelta(hours=2)), None)
    assert Nudges.from_settings({"reminder_offsets": "off"}).reminders == ()
    assert Nudges.from_settings({"reminder_offsets": "soon", "turnout_alert": "?"}) == Nudges()


def test_announcement_chats_round_trip_and_ignore_garbage() -> None:
    chats = [AnnounceChat("telegram", "-100", "Board", 3)]
    settings = with_chats({"digest": "off"}, chats)
    assert settings["digest"] == "off" and announce_chats(settings) == chats
    assert announce_chats({"announce_chats": [{"platform": "x"}, 3, None]}) == []


def test_reports_are_grouped_by_quarter_of_an_hour() -> None:
    start, end = window_of(datetime(2026, 1, 5, 9, 44, 59, tzinfo=UTC))
    assert (start.minute, end.minute, end - start) == (30, 45, timedelta(minutes=15))


def test_messages_say_how_to_answer_by_typing_in_both_languages() -> None:
    en, fr = Translator("en"), Translator("fr")
    screen = announcement_screen(en, poll(), "!")
    assert screen.title == "New poll: Budget 2027" and "!vote 7" in screen.text
    assert [b.label for row in screen.buttons for b in row] == ["Answer now"]  # words, no emoji
    assert "Nouvelle consultation" in (announcement_screen(fr, poll(), "/").title or "")
    group = announcement_screen(en, poll(), "/", group=True)
    assert "private message" in group.text
    binding = announcement_screen(
        en, poll(spec=PollSpec(title="X", kind=PollKind.DELIBERATION)), "/"
    )
    assert "binding" in binding.text and "until an administrator closes it" in binding.text
    reminder = reminder_screen(en, poll(), "/", NOW)
    assert "Time left: 3 days" in reminder.text and "/notifications off" in reminder.text
    assert "Temps restant : 3\u00a0jours" in reminder_screen(fr, poll(), "/", NOW).text


def test_turnout_alert_names_the_colleges_and_the_numbers() -> None:
    screen = turnout_screen(Translator("fr"), poll(), Fraction(1, 2), [("Usagers", 3, 10)], "/")
    assert "Usagers : 3 sur 10 (30\u00a0%)" in screen.text and "/remind 7" in screen.text


def test_digest_screen_from_its_json() -> None:
    data = {
        "generated_at": NOW.isoformat(),
        "colleges": {"usagers": ["Usagers", "Service users"]},
        "open": [{"id": 7, "title": "Budget", "closes_at": (NOW + timedelta(days=2)).isoformat(),
                  "voted": 3, "eligible": 10, "colleges": [["usagers", 3, 10]]}],
        "closed": [{"id": 5, "title": "Parc", "voted": 8, "eligible": 10, "quorum_met": False,
                    "questions": [{"prompt": "OK?", "winner": "Yes", "ballots": 8,
                                   "majority_met": True}]}],
        "coming": [{"id": 9, "title": "Piscine", "event": "opens",
                    "at": (NOW + timedelta(days=1)).isoformat()}],
        "free_text": 4,
    }  # fmt: skip
    text = digest_screen(Translator("en"), "Coop", data, "/").text
    for expected in (
        "participation: 3 of 10 (30%) — time left: 2 days",
        "Service users: 3/10 (30%)",
        "quorum NOT reached",
        "OK?: Yes comes first — majority reached",
        "4 new free-text answers",
        "poll 9 opens — Piscine",
    ):
        assert expected in text, (expected, text)
    empty = digest_screen(Translator("fr"), "Coop", {"generated_at": NOW.isoformat()}, "/")
    assert "aucune consultation ouverte" in empty.text and "rien de prévu" in empty.text
