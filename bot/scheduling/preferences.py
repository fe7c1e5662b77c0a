"""Notification preferences of members and organisations, as stored in their JSON columns.

``members.preferences["notifications"]``: ``{"reminders": bool, "quiet": "22:00-07:30" | "off"}``
(``quiet`` absent: the organisation's default).
``organisations.settings``: ``{"quiet_hours": "21:00-08:00" | "off",
"digest": "mon 09:00" | "off"}`` (absent: 21:00-08:00 and Monday 09:00).
Malformed stored values fall back to the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from bot.scheduling.digests import DEFAULT_DIGEST_SCHEDULE, DigestSchedule, parse_digest_schedule
from bot.scheduling.quiet_hours import (
    DEFAULT_QUIET_HOURS,
    QuietHours,
    deferred_time,
    parse_quiet_hours,
)

OFF = "off"
NOTIFICATIONS = "notifications"
ORG_QUIET_HOURS = "quiet_hours"
ORG_DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class NotificationPrefs:
    """A member's choices: reminders on/off and quiet hours (own, none, or the default)."""

    reminders: bool = True
    quiet: QuietHours | None = None
    quiet_disabled: bool = False

    def effective_quiet(self, default: QuietHours | None) -> QuietHours | None:
        """The quiet hours that apply to this member."""
        if self.quiet_disabled:
            return None
        return self.quiet if self.quiet is not None else default

    @staticmethod
    def from_preferences(preferences: Mapping[str, Any] | None) -> NotificationPrefs:
        """Read the member's ``preferences`` JSON."""
        raw = (preferences or {}).get(NOTIFICATIONS)
        if not isinstance(raw, Mapping):
            return NotificationPrefs()
        reminders = raw.get("reminders", True) is not False
        quiet_text = raw.get("quiet")
        if quiet_text == OFF:
            return NotificationPrefs(reminders, None, True)
        quiet = _quiet_or_none(quiet_text)
        return NotificationPrefs(reminders, quiet, False)

    def to_preferences(self, preferences: Mapping[str, Any] | None) -> dict[str, Any]:
        """A new ``preferences`` JSON with these choices (other keys kept)."""
        raw: dict[str, Any] = {"reminders": self.reminders}
        if self.quiet_disabled:
            raw["quiet"] = OFF
        elif self.quiet is not None:
            raw["quiet"] = str(self.quiet)
        return {**dict(preferences or {}), NOTIFICATIONS: raw}


@dataclass(frozen=True, slots=True)
class OrganisationSchedule:
    """An organisation's default quiet hours and board digest schedule (None: off)."""

    quiet: QuietHours | None = DEFAULT_QUIET_HOURS
    digest: DigestSchedule | None = DEFAULT_DIGEST_SCHEDULE

    @staticmethod
    def from_settings(settings: Mapping[str, Any] | None) -> OrganisationSchedule:
        """Read the organisation's ``settings`` JSON."""
        settings = settings or {}
        quiet: QuietHours | None = DEFAULT_QUIET_HOURS
        raw_quiet = settings.get(ORG_QUIET_HOURS)
        if raw_quiet == OFF:
            quiet = None
        elif isinstance(raw_quiet, str):
            quiet = _quiet_or_none(raw_quiet) or DEFAULT_QUIET_HOURS
        digest: DigestSchedule | None = DEFAULT_DIGEST_SCHEDULE
        raw_digest = settings.get(ORG_DIGEST)
        if isinstance(raw_digest, str):
            try:
                digest = parse_digest_schedule(raw_digest)
            except ValueError:
                digest = DEFAULT_DIGEST_SCHEDULE
        return OrganisationSchedule(quiet, digest)

    def to_settings(self, settings: Mapping[str, Any] | None) -> dict[str, Any]:
        """A new ``settings`` JSON with these choices (other keys kept)."""
        return {
            **dict(settings or {}),
            ORG_QUIET_HOURS: OFF if self.quiet is None else str(self.quiet),
            ORG_DIGEST: OFF if self.digest is None else str(self.digest),
        }


class Skip(StrEnum):
    """Why a planned message will not be sent."""

    OPTED_OUT = "opted_out"
    TOO_LATE = "too_late"


def delivery_time(
    due_at: datetime,
    *,
    prefs: NotificationPrefs,
    organisation: OrganisationSchedule,
    tz: tzinfo | str,
    optional: bool,
    quiet: bool,
    expires_at: datetime | None,
) -> datetime | Skip:
    """When a message for this member may go out, or why it is skipped."""
    if optional and not prefs.reminders:
        return Skip.OPTED_OUT
    window = prefs.effective_quiet(organisation.quiet) if quiet else None
    allowed = deferred_time(due_at, tz, window, expires_at)
    return Skip.TOO_LATE if allowed is None else allowed


def _quiet_or_none(text: object) -> QuietHours | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_quiet_hours(text)
    except ValueError:
        return None
