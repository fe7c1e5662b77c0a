"""Quiet hours and reminder times: deferral to the morning, DST nights in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    QuietHours,
    deferred_time,
    instants_at,
    next_allowed,
    offset_label,
    parse_quiet_hours,
    reminder_times,
)

PARIS = ZoneInfo("Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def paris(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=PARIS, fold=fold)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("22:00-07:30", time(22), time(7, 30)),
        ("22h-7h30", time(22), time(7, 30)),
        ("22h00 – 07h30", time(22), time(7, 30)),
        ("22-7", time(22), time(7)),
        ("13:00-14:00", time(13), time(14)),
    ],
)
def test_parse_quiet_hours(text: str, start: time, end: time) -> None:
    assert parse_quiet_hours(text) == QuietHours(start, end)


@pytest.mark.parametrize("text", ["", "22:00", "25:00-07:00", "22:00-07:61", "8-8", "soon"])
def test_parse_quiet_hours_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quiet_hours(text)


def test_window_membership_overnight_and_daytime() -> None:
    night = DEFAULT_QUIET_HOURS
    assert night.contains(time(21, 0)) and night.contains(time(3, 0))
    assert night.contains(time(7, 59, 59))
    assert not night.contains(time(8, 0)) and not night.contains(time(20, 59))
    lunch = QuietHours(time(12), time(14))
    assert lunch.contains(time(13))
    assert not lunch.contains(time(14)) and not lunch.contains(time(9))
    assert str(night) == "21:00-08:00"


def test_outside_quiet_hours_nothing_moves() -> None:
    instant = paris(2026, 6, 10, 15, 0)
    assert next_allowed(instant, "Europe/Paris", DEFAULT_QUIET_HOURS) == instant
    assert next_allowed(instant, "Europe/Paris", None) == instant


def test_evening_is_deferred_to_next_morning() -> None:
    allowed = next_allowed(paris(2026, 6, 10, 22, 15), PARIS, DEFAULT_QUIET_HOURS)
    assert allowed == paris(2026, 6, 11, 8, 0)
    assert allowed.tzinfo is UTC


def test_small_hours_are_deferred_to_the_same_morning() -> None:
    allowed = next_allowed(paris(2026, 6, 11, 3, 0), PARIS, DEFAULT_QUIET_HOURS)
    assert allowed == paris(2026, 6, 11, 8, 0)


def test_daytime_window() -> None:
    lunch = QuietHours(time(12), time(14))
    assert next_allowed(paris(2026, 6, 11, 12, 30), PARIS, lunch) == paris(2026, 6, 11, 14, 0)


def test_march_night_is_one_hour_shorter() -> None:
    # 2026-03-29: 02:00 CET -> 03:00 CEST. 21:00 CET = 20:00Z; 08:00 CEST = 06:00Z.
    allowed = next_allowed(utc(2026, 3, 28, 20, 0), PARIS, DEFAULT_QUIET_HOURS)
    assert allowed == utc(2026, 3, 29, 6, 0)
    assert allowed - utc(2026, 3, 28, 20, 0) == timedelta(hours=10)


def test_october_night_is_one_hour_longer() -> None:
    # 2026-10-25: 03:00 CEST -> 02:00 CET. 21:00 CEST = 19:00Z; 08:00 CET = 07:00Z.
    allowed = next_allowed(utc(2026, 10, 24, 19, 0), PARIS, DEFAULT_QUIET_HOURS)
    assert allowed == utc(2026, 10, 25, 7, 0)
    assert allowed - utc(2026, 10, 24, 19, 0) == timedelta(hours=12)


def test_end_inside_the_spring_gap_is_the_end_of_the_gap() -> None:
    quiet = parse_quiet_hours("21:00-02:30")  # 02:30 does not exist on 2026-03-29
    allowed = next_allowed(utc(2026, 3, 29, 0, 30), PARIS, quiet)
    assert allowed == utc(2026, 3, 29, 1, 0)  # 03:00 CEST, the first instant after the gap
    assert allowed.astimezone(PARIS).time() == time(3, 0)


def test_end_inside_the_repeated_autumn_hour() -> None:
    quiet = parse_quiet_hours("21:00-02:30")  # 02:30 happens twice on 2026-10-25
    first_pass = next_allowed(utc(2026, 10, 25, 0, 15), PARIS, quiet)  # 02:15 CEST
    assert first_pass == utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second_pass = next_allowed(utc(2026, 10, 25, 1, 15), PARIS, quiet)  # 02:15 CET
    assert second_pass == utc(2026, 10, 25, 1, 30)  # 02:30 CET, not back in time


def test_instants_at_counts_the_dst_cases() -> None:
    assert len(instants_at(paris(2026, 6, 1, 0, 0).date(), time(8), PARIS)) == 1
    assert len(instants_at(paris(2026, 10, 25, 0, 0).date(), time(2, 30), PARIS)) == 2
    assert instants_at(paris(2026, 3, 29, 0, 0).date(), time(2, 30), PARIS) == [
        utc(2026, 3, 29, 1, 0)
    ]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        next_allowed(datetime(2026, 1, 1, 12), PARIS, DEFAULT_QUIET_HOURS)


# --- properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
wall_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
windows = st.tuples(wall_times, wall_times).filter(lambda w: w[0] != w[1])
zones = st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"])


@settings(max_examples=250, deadline=None)
@given(instant=instants, window=windows, zone=zones)
def test_next_allowed_is_the_earliest_instant_outside_quiet_hours(
    instant: datetime, window: tuple[time, time], zone: str
) -> None:
    quiet = QuietHours(*window)
    tz = ZoneInfo(zone)
    allowed = next_allowed(instant, tz, quiet)
    assert allowed >= instant
    assert allowed - instant <= timedelta(days=1, hours=3)
    if allowed > instant:
        # Strictly inside the window just before; outside (or at a DST jump) at the result.
        assert quiet.contains((allowed - timedelta(seconds=1)).astimezone(tz).time())
        wall = allowed.astimezone(tz).time()
        assert not quiet.contains(wall)
    else:
        assert not quiet.contains(instant.astimezone(tz).time())


@settings(max_examples=200, deadline=None)
@given(instant=instants, window=windows)
def test_next_allowed_is_idempotent(instant: datetime, window: tuple[time, time]) -> None:
    quiet = QuietHours(*window)
    once = next_allowed(instant, PARIS, quiet)
    assert next_allowed(once, PARIS, quiet) == once


# --- reminders -------------------------------------------------------------------------------


def test_reminder_times_default_offsets() -> None:
    close = utc(2026, 6, 20, 18, 0)
    assert reminder_times(close, now=utc(2026, 6, 1)) == [
        utc(2026, 6, 17, 18, 0),
        utc(2026, 6, 19, 18, 0),
        utc(2026, 6, 20, 15, 0),
    ]


def test_reminder_times_skip_the_past() -> None:
    close = utc(2026, 6, 20, 18, 0)
    assert reminder_times(close, now=utc(2026, 6, 19, 18, 0)) == [utc(2026, 6, 20, 15, 0)]
    assert reminder_times(close, now=close) == []


def test_reminder_offsets_must_be_positive() -> None:
    with pytest.raises(ValueError):
        reminder_times(utc(2026, 6, 20), [timedelta(0)])


@given(
    close=instants,
    offsets=st.lists(st.integers(1, 24 * 14).map(lambda h: timedelta(hours=h)), max_size=6),
    back=st.integers(0, 24 * 20).map(lambda h: timedelta(hours=h)),
)
def test_reminder_times_are_sorted_unique_and_future(
    close: datetime, offsets: list[timedelta], back: timedelta
) -> None:
    now = close - back
    times = reminder_times(close, offsets, now)
    assert times == sorted(set(times))
    assert all(now < t < close for t in times)
    assert len(times) == len({o for o in offsets if close - o > now})


def test_deferred_reminder_is_skipped_when_the_poll_closes_first() -> None:
    due = paris(2026, 6, 10, 23, 0)
    assert deferred_time(due, PARIS, DEFAULT_QUIET_HOURS, paris(2026, 6, 11, 9, 0)) == paris(
        2026, 6, 11, 8, 0
    )
    assert deferred_time(due, PARIS, DEFAULT_QUIET_HOURS, paris(2026, 6, 11, 7, 0)) is None
    assert deferred_time(due, PARIS, DEFAULT_QUIET_HOURS, paris(2026, 6, 11, 8, 0)) is None
    assert deferred_time(due, PARIS, None, paris(2026, 6, 11, 7, 0)) == due


@pytest.mark.parametrize(
    ("offset", "label"),
    [(timedelta(hours=72), "72h"), (timedelta(minutes=90), "90m"), (timedelta(seconds=45), "45s")],
)
def test_offset_labels(offset: timedelta, label: str) -> None:
    assert offset_label(offset) == label
