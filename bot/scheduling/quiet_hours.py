"""Quiet hours and reminder times (pure, DST-safe).

Quiet hours are a window of *wall-clock* times in a timezone (default 21:00-08:00 in the
organisation's timezone). A message due inside the window is deferred to the first instant at
which the wall clock shows the end of the window again ("the morning"). On the spring-forward
night an end time that does not exist (02:30 in Europe/Paris) becomes the first instant after
the gap (03:00); on the fall-back night the earliest matching instant after the due time wins.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_REMINDER_OFFSETS: tuple[timedelta, ...] = (
    timedelta(hours=72),
    timedelta(hours=24),
    timedelta(hours=3),
)

_WINDOW = re.compile(
    r"^\s*(\d{1,2})(?:\s*[:hH]\s*(\d{2})?)?\s*[-–à]\s*(\d{1,2})(?:\s*[:hH]\s*(\d{2})?)?\s*$"
)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of wall-clock times during which nobody is disturbed."""

    start: time
    end: time

    def contains(self, wall: time) -> bool:
        """True if a wall-clock time falls inside the window (start inclusive, end exclusive)."""
        wall = wall.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


DEFAULT_QUIET_HOURS = QuietHours(time(21, 0), time(8, 0))


def parse_quiet_hours(text: str) -> QuietHours:
    """Read ``22:00-07:30`` (also ``22h-7h30``, ``22-7``); raise ValueError otherwise."""
    match = _WINDOW.match(text)
    if match is None:
        raise ValueError(f"not a time window: {text!r}")
    h1, m1, h2, m2 = match.groups()
    try:
        start = time(int(h1), int(m1 or 0))
        end = time(int(h2), int(m2 or 0))
    except ValueError as error:
        raise ValueError(f"not a time window: {text!r}") from error
    if start == end:
        raise ValueError(f"empty time window: {text!r}")
    return QuietHours(start, end)


def as_timezone(tz: tzinfo | str) -> tzinfo:
    """A tzinfo from an IANA name (or the tzinfo itself)."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def next_allowed(instant: datetime, tz: tzinfo | str, quiet: QuietHours | None) -> datetime:
    """The earliest instant >= ``instant`` outside the quiet hours (UTC)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    zone = as_timezone(tz)
    instant = instant.astimezone(UTC)
    wall = instant.astimezone(zone)
    if quiet is None or not quiet.contains(wall.time()):
        return instant
    day = wall.date()
    if quiet.start > quiet.end and wall.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)
    for offset in (0, 1):
        candidates = instants_at(day + timedelta(days=offset), quiet.end, zone)
        later = [c for c in candidates if c >= instant]
        if later:
            return min(later)
    raise AssertionError("unreachable: a wall time exists within two days")  # pragma: no cover


def instants_at(day: date, wall: time, tz: tzinfo) -> list[datetime]:
    """The UTC instants at which the clock in ``tz`` shows ``day wall`` (0, 1 or 2 of them).

    A wall time skipped by a DST gap yields the first instant after the gap instead.
    """
    naive = datetime.combine(day, wall)
    found: set[datetime] = set()
    for fold in (0, 1):
        candidate = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if candidate.astimezone(tz).replace(tzinfo=None) == naive:
            found.add(candidate)
    if found:
        return sorted(found)
    return [_end_of_gap(naive, tz)]


def _end_of_gap(naive: datetime, tz: tzinfo) -> datetime:
    """The first instant whose wall time is >= ``naive`` (which falls in a DST gap)."""
    a = naive.replace(tzinfo=tz, fold=0).timestamp()
    b = naive.replace(tzinfo=tz, fold=1).timestamp()
    lo, hi = math.floor(min(a, b)), math.ceil(max(a, b))  # wall(lo) < naive <= wall(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def deferred_time(
    instant: datetime,
    tz: tzinfo | str,
    quiet: QuietHours | None,
    deadline: datetime | None = None,
) -> datetime | None:
    """When a message due at ``instant`` may go out; None if that is not before ``deadline``.

    Used for reminders: deferred to the morning, or skipped if the poll closes first.
    """
    allowed = next_allowed(instant, tz, quiet)
    if deadline is not None and allowed >= deadline:
        return None
    return allowed


def reminder_times(
    close_at: datetime,
    offsets: Iterable[timedelta] = DEFAULT_REMINDER_OFFSETS,
    now: datetime | None = None,
) -> list[datetime]:
    """Instants ``close_at - offset`` still in the future (after ``now``), earliest first."""
    times: set[datetime] = set()
    for offset in offsets:
        if offset <= timedelta(0):
            raise ValueError(f"reminder offsets must be positive, got {offset}")
        at = close_at - offset
        if now is None or at > now:
            times.add(at.astimezone(UTC))
    return sorted(times)


def offset_label(offset: timedelta) -> str:
    """A compact stable name for an offset, for job keys: ``72h``, ``90m``, ``45s``."""
    seconds = int(offset.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
