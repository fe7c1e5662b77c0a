"""Small parsers for typed command arguments (durations, numbers, roles)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import DomainError
from bot.members.model import Role

ROLE_WORDS = {
    "participant": Role.PARTICIPANT,
    "participante": Role.PARTICIPANT,
    "associate": Role.ASSOCIATE,
    "associe": Role.ASSOCIATE,
    "associé": Role.ASSOCIATE,
    "associée": Role.ASSOCIATE,
    "board": Role.BOARD,
    "ca": Role.BOARD,
    "conseil": Role.BOARD,
    "admin": Role.ADMIN,
}
_DURATION = re.compile(r"^(\d{1,4})\s*([dhjmw])$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_role(word: str) -> Role:
    """Read a role name in French or English."""
    role = ROLE_WORDS.get(word.lower())
    if role is None:
        raise DomainError("invitation.bad_role", {"role": word[:40]})
    return role


def looks_like_role(word: str) -> bool:
    """True if the word names a role."""
    return word.lower() in ROLE_WORDS


def parse_expiry(text: str, now: datetime, timezone: str) -> timedelta:
    """Read `7d`, `12h`, `2w`, `30m` (minutes) or a date `2026-12-31` (end of that day)."""
    match = _DURATION.match(text.strip())
    if match:
        amount, unit = int(match[1]), match[2].lower()
        delta = {
            "d": timedelta(days=amount),
            "j": timedelta(days=amount),
            "h": timedelta(hours=amount),
            "w": timedelta(weeks=amount),
            "m": timedelta(minutes=amount),
        }[unit]
        if delta <= timedelta(0):
            raise DomainError("invitation.bad_expiry")
        return delta
    match = _DATE.match(text.strip())
    if match:
        try:
            day = datetime(
                int(match[1]), int(match[2]), int(match[3]), 23, 59, 59, tzinfo=ZoneInfo(timezone)
            )
        except ValueError as error:
            raise DomainError("invitation.bad_expiry") from error
        delta = day.astimezone(UTC) - now
        if delta <= timedelta(0):
            raise DomainError("invitation.bad_expiry")
        return delta
    raise DomainError("invitation.bad_expiry")


def parse_count(text: str, key: str = "invitation.bad_uses", maximum: int = 10_000) -> int:
    """Read a positive whole number."""
    if not text.isdigit() or not text.isascii():
        raise DomainError(key, {"max": maximum})
    value = int(text)
    if not 1 <= value <= maximum:
        raise DomainError(key, {"max": maximum})
    return value
