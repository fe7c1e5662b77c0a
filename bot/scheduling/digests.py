"""When board digests are due (pure): the weekly schedule and its idempotency key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from bot.scheduling.quiet_hours import as_timezone, instants_at

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS: dict[str, int] = {
    **{name: index for index, name in enumerate(WEEKDAY_NAMES)},
    **{
        name: index
        for index, names in enumerate(
            (
                ("monday", "lun", "lundi"),
                ("tuesday", "mar", "mardi"),
                ("wednesday", "mer", "mercredi"),
                ("thursday", "jeu", "jeudi"),
                ("friday", "ven", "vendredi"),
                ("saturday", "sam", "samedi"),
                ("sunday", "dim", "dimanche"),
            )
        )
        for name in names
    },
}
_SCHEDULE = re.compile(r"^\s*([^\W\d_]+)\.?\s+(\d{1,2})(?:\s*[:hH]\s*(\d{2})?)?\s*$")
OFF_WORDS = frozenset({"off", "none", "non", "aucun", "désactivé", "desactive"})


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """A weekly instant in the organisation's timezone: a weekday (0 = Monday) and a time."""

    weekday: int
    at: time

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.at:%H:%M}"


DEFAULT_DIGEST_SCHEDULE = DigestSchedule(0, time(9, 0))


def parse_digest_schedule(text: str) -> DigestSchedule | None:
    """Read ``mon 09:00`` (also ``lundi 9h``); ``off`` gives None; raise ValueError otherwise."""
    if text.strip().lower() in OFF_WORDS:
        return None
    match = _SCHEDULE.match(text)
    if match is None:
        raise ValueError(f"not a weekly schedule: {text!r}")
    day, hour, minute = match.groups()
    weekday = _WEEKDAYS.get(day.lower())
    if weekday is None:
        raise ValueError(f"not a day of the week: {day!r}")
    try:
        return DigestSchedule(weekday, time(int(hour), int(minute or 0)))
    except ValueError as error:
        raise ValueError(f"not a time: {text!r}") from error


def latest_occurrence(schedule: DigestSchedule, tz: tzinfo | str, now: datetime) -> datetime:
    """The most recent scheduled instant at or before ``now`` (UTC)."""
    zone = as_timezone(tz)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    for _ in range(3):
        first = min(instants_at(day, schedule.at, zone))
        if first <= now:
            return first
        day -= timedelta(days=7)
    raise AssertionError("unreachable")  # pragma: no cover


def week_key(instant: datetime, tz: tzinfo | str) -> str:
    """The ISO week of an instant in a timezone: ``2026-W48``."""
    year, week, _ = instant.astimezone(as_timezone(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def digest_job_key(week: str) -> str:
    """The idempotency key of the digest job of a week."""
    return f"digest:{week}"


@dataclass(frozen=True, slots=True)
class DueDigest:
    """A digest that should exist now: its week, job key and scheduled instant."""

    week: str
    key: str
    scheduled_at: datetime


def due_digest(
    schedule: DigestSchedule | None,
    tz: tzinfo | str,
    now: datetime,
    grace: timedelta = timedelta(hours=6),
) -> DueDigest | None:
    """The digest due at ``now`` (fired late by at most ``grace``, e.g. after a restart)."""
    if schedule is None:
        return None
    scheduled = latest_occurrence(schedule, tz, now)
    if now - scheduled > grace:
        return None
    week = week_key(scheduled, tz)
    return DueDigest(week, digest_job_key(week), scheduled.astimezone(UTC))
