"""Digest schedule, notification preferences, backoff and outcomes (pure values)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.digests import (
    DEFAULT_DIGEST_SCHEDULE,
    DigestSchedule,
    due_digest,
    latest_occurrence,
    parse_digest_schedule,
    week_key,
)
from bot.scheduling.model import Backoff, OutcomeKind, SendOutcome
from bot.scheduling.preferences import (
    NotificationPrefs,
    OrganisationSchedule,
    Skip,
    delivery_time,
)
from bot.scheduling.quiet_hours import DEFAULT_QUIET_HOURS, QuietHours

PARIS = ZoneInfo("Europe/Paris")
PURE = ["model.py", "quiet_hours.py", "digests.py", "preferences.py"]


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 09:00", DigestSchedule(0, time(9))),
        ("lundi 9h", DigestSchedule(0, time(9))),
        ("Fri 17h30", DigestSchedule(4, time(17, 30))),
        ("dimanche 20:15", DigestSchedule(6, time(20, 15))),
        ("off", None),
        ("OFF", None),
    ],
)
def test_parse_digest_schedule(text: str, expected: DigestSchedule | None) -> None:
    assert parse_digest_schedule(text) == expected


@pytest.mark.parametrize("text", ["", "09:00", "someday 9h", "mon 25:00", "mon"])
def test_parse_digest_schedule_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_digest_schedule(text)


def test_latest_occurrence_is_monday_nine_in_paris() -> None:
    wednesday = paris(2026, 11, 25, 12, 0)
    assert latest_occurrence(DEFAULT_DIGEST_SCHEDULE, PARIS, wednesday) == paris(
        2026, 11, 23, 9, 0
    )
    monday_early = paris(2026, 11, 23, 8, 59)
    assert latest_occurrence(DEFAULT_DIGEST_SCHEDULE, PARIS, monday_early) == paris(
        2026, 11, 16, 9, 0
    )
    assert latest_occurrence(DEFAULT_DIGEST_SCHEDULE, PARIS, paris(2026, 11, 23, 9, 0)) == paris(
        2026, 11, 23, 9, 0
    )


def test_digest_after_a_dst_change_stays_at_nine_local() -> None:
    # Monday 2026-03-30, the day after the spring change: 09:00 CEST = 07:00Z.
    due = due_digest(DEFAULT_DIGEST_SCHEDULE, "Europe/Paris", paris(2026, 3, 30, 9, 5))
    assert due is not None
    assert due.scheduled_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert due.key == "digest:2026-W14"


def test_due_digest_has_a_grace_period_and_can_be_off() -> None:
    now = paris(2026, 11, 23, 9, 0)
    due = due_digest(DEFAULT_DIGEST_SCHEDULE, PARIS, now)
    assert due is not None and due.week == "2026-W48" and due.key == "digest:2026-W48"
    assert due_digest(DEFAULT_DIGEST_SCHEDULE, PARIS, now + timedelta(hours=5)) is not None
    assert due_digest(DEFAULT_DIGEST_SCHEDULE, PARIS, now + timedelta(hours=7)) is None
    assert due_digest(None, PARIS, now) is None


def test_week_key_uses_the_local_date() -> None:
    # Sunday 23:30 in Paris is already Monday in Tokyo, still Sunday in Paris.
    instant = paris(2026, 11, 29, 23, 30)
    assert week_key(instant, PARIS) == "2026-W48"
    assert week_key(instant, "Asia/Tokyo") == "2026-W49"
    assert week_key(paris(2027, 1, 1, 12, 0), PARIS) == "2026-W53"


def test_member_preferences_round_trip_and_keep_other_keys() -> None:
    stored = {"theme": "dark"}
    prefs = NotificationPrefs(reminders=False, quiet=QuietHours(time(22), time(7, 30)))
    written = prefs.to_preferences(stored)
    assert written["theme"] == "dark"
    assert written["notifications"] == {"reminders": False, "quiet": "22:00-07:30"}
    assert NotificationPrefs.from_preferences(written) == prefs
    off = NotificationPrefs(quiet_disabled=True)
    assert NotificationPrefs.from_preferences(off.to_preferences({})) == off
    assert NotificationPrefs.from_preferences({}) == NotificationPrefs()
    assert NotificationPrefs.from_preferences({"notifications": "garbage"}) == NotificationPrefs()
    bad = {"notifications": {"quiet": "whenever"}}
    assert NotificationPrefs.from_preferences(bad) == NotificationPrefs()


def test_effective_quiet_hours() -> None:
    own = QuietHours(time(23), time(6))
    assert NotificationPrefs().effective_quiet(DEFAULT_QUIET_HOURS) == DEFAULT_QUIET_HOURS
    assert NotificationPrefs(quiet=own).effective_quiet(DEFAULT_QUIET_HOURS) == own
    assert NotificationPrefs(quiet_disabled=True).effective_quiet(DEFAULT_QUIET_HOURS) is None
    assert NotificationPrefs().effective_quiet(None) is None


def test_organisation_schedule_defaults_and_round_trip() -> None:
    default = OrganisationSchedule.from_settings({})
    assert default.quiet == DEFAULT_QUIET_HOURS and default.digest == DEFAULT_DIGEST_SCHEDULE
    custom = OrganisationSchedule(None, DigestSchedule(4, time(17)))
    settings = custom.to_settings({"other": 1})
    assert settings == {"other": 1, "quiet_hours": "off", "digest": "fri 17:00"}
    assert OrganisationSchedule.from_settings(settings) == custom
    assert OrganisationSchedule.from_settings({"digest": "off"}).digest is None
    broken = OrganisationSchedule.from_settings({"digest": "?", "quiet_hours": "?"})
    assert broken == default


def test_delivery_time_applies_opt_out_quiet_hours_and_deadline() -> None:
    org = OrganisationSchedule()
    late_evening = paris(2026, 6, 10, 22, 0)
    common = {"organisation": org, "tz": PARIS}
    assert (
        delivery_time(
            late_evening,
            prefs=NotificationPrefs(reminders=False),
            optional=True,
            quiet=True,
            expires_at=None,
            **common,
        )
        is Skip.OPTED_OUT
    )
    assert delivery_time(
        late_evening,
        prefs=NotificationPrefs(reminders=False),
        optional=False,
        quiet=False,
        expires_at=None,
        **common,
    ) == (late_evening)
    assert delivery_time(
        late_evening,
        prefs=NotificationPrefs(),
        optional=True,
        quiet=True,
        expires_at=None,
        **common,
    ) == paris(2026, 6, 11, 8, 0)
    assert (
        delivery_time(
            late_evening,
            prefs=NotificationPrefs(),
            optional=True,
            quiet=True,
            expires_at=paris(2026, 6, 11, 6, 0),
            **common,
        )
        is Skip.TOO_LATE
    )


def test_backoff_grows_exponentially_up_to_a_cap() -> None:
    backoff = Backoff(base=timedelta(seconds=30), factor=2, cap=timedelta(minutes=5))
    assert [backoff.delay(n).total_seconds() for n in range(1, 7)] == [
        30,
        60,
        120,
        240,
        300,
        300,
    ]
    assert not backoff.exhausted(4) and backoff.exhausted(5)


def test_send_outcome_constructors() -> None:
    assert SendOutcome.sent().kind is OutcomeKind.SENT
    retry = SendOutcome.retry(timedelta(seconds=3), "flood")
    assert retry.kind is OutcomeKind.RETRY and retry.retry_after == timedelta(seconds=3)
    assert SendOutcome.unreachable().kind is OutcomeKind.UNREACHABLE
    assert SendOutcome.failed("bad").error == "bad"


def test_pure_scheduling_modules_do_no_io() -> None:
    folder = Path(__file__).resolve().parents[3] / "bot" / "scheduling"
    io = {"sqlalchemy", "asyncpg", "aiosqlite", "asyncio", "apscheduler", "telegram", "nio"}
    for name in PURE:
        tree = ast.parse((folder / name).read_text("utf-8"))
        modules = {
            node.module.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        assert not modules & io, f"{name} imports {modules & io}"
