"""Pure rules of organisations, statutes and collèges, members and invitations."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from bot.core.errors import DomainError

MIN_COLLEGES = 3
MIN_WEIGHT = Fraction(1, 10)
MAX_WEIGHT = Fraction(1, 2)
COLLEGE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I confusion


class Role(StrEnum):
    """What a member may do; a member holds one or more roles."""

    PARTICIPANT = "participant"
    ASSOCIATE = "associate"
    BOARD = "board"
    ADMIN = "admin"


class EmptyCollegeRule(StrEnum):
    """What happens to a collège with no valid ballot in a weighted tally."""

    REDISTRIBUTE = "redistribute"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class College:
    """A voting group of associates with its weight in the statutes."""

    key: str
    name_fr: str
    name_en: str
    weight: Fraction

    def name(self, language: str) -> str:
        """The collège's name in a language (French by default)."""
        return self.name_en if language == "en" else self.name_fr


@dataclass(frozen=True, slots=True)
class Statutes:
    """One version of the organisation's rules."""

    version: int
    colleges: tuple[College, ...] = ()
    blank_counts_as_cast: bool = False
    empty_college: EmptyCollegeRule = EmptyCollegeRule.REDISTRIBUTE
    quorum: Fraction = Fraction(0)
    majority: Fraction = Fraction(1, 2)
    extraordinary_majority: Fraction = Fraction(2, 3)
    privacy_threshold: int = 5

    def college(self, key: str) -> College:
        """Find a collège by key or raise a DomainError."""
        for college in self.colleges:
            if college.key == key:
                return college
        raise DomainError("college.unknown", {"college": key})

    def has_college(self, key: str) -> bool:
        """True if a collège with this key exists."""
        return any(c.key == key for c in self.colleges)

    @property
    def weights(self) -> dict[str, Fraction]:
        """Weights by collège key."""
        return {c.key: c.weight for c in self.colleges}

    @property
    def weights_are_valid(self) -> bool:
        """True when the collèges satisfy the SCIC weight rules."""
        try:
            validate_weights(self.weights)
        except DomainError:
            return False
        return True

    def next_version(self, **changes: object) -> Statutes:
        """A new version with some fields changed."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


def validate_college_key(key: str) -> str:
    """Collège keys are short lowercase words: `salaries`, `usagers`."""
    if not COLLEGE_KEY.match(key):
        raise DomainError("college.bad_key", {"college": key})
    return key


def validate_weights(weights: Mapping[str, Fraction]) -> None:
    """Apply the SCIC rules: ≥ 3 collèges, each 10–50 %, total exactly 100 %."""
    if len(weights) < MIN_COLLEGES:
        raise DomainError("statutes.too_few_colleges", {"count": len(weights)})
    for key, weight in weights.items():
        if weight > MAX_WEIGHT:
            raise DomainError("statutes.weight_above_max", {"college": key, "weight": weight})
        if weight < MIN_WEIGHT:
            raise DomainError("statutes.weight_below_min", {"college": key, "weight": weight})
    total = sum(weights.values(), Fraction(0))
    if total != 1:
        raise DomainError("statutes.weights_not_100", {"total": total})


def equal_weights(keys: Sequence[str]) -> dict[str, Fraction]:
    """Equal weights, the default when the statutes say nothing else."""
    if not keys:
        return {}
    share = Fraction(1, len(keys))
    return {key: share for key in keys}


_PERCENT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%?\s*$")
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_weight(text: str) -> Fraction:
    """Read a weight as an admin types it: `40`, `40 %`, `33,5%`, `2/5`."""
    match = _FRACTION.match(text)
    if match:
        numerator, denominator = int(match[1]), int(match[2])
        if denominator == 0:
            raise DomainError("statutes.bad_weight", {"text": text})
        return Fraction(numerator, denominator)
    match = _PERCENT.match(text)
    if match:
        return Fraction(match[1].replace(",", ".")) / 100
    raise DomainError("statutes.bad_weight", {"text": text})


def parse_weights(text: str, keys: Sequence[str]) -> dict[str, Fraction]:
    """Read `40/40/20`, `40 40 20` or `salaries=40 usagers=40 collectivites=20`."""
    text = text.strip()
    if "=" in text:
        result: dict[str, Fraction] = {}
        for item in re.split(r"[\s;]+", text):
            if not item:
                continue
            key, _, value = item.partition("=")
            if key not in keys:
                raise DomainError("college.unknown", {"college": key})
            result[key] = parse_weight(value)
        missing = [k for k in keys if k not in result]
        if missing:
            raise DomainError("statutes.weights_missing", {"colleges": ", ".join(missing)})
        return result
    parts = _split_weight_list(text)
    if len(parts) != len(keys):
        raise DomainError("statutes.weights_count", {"given": len(parts), "expected": len(keys)})
    return {key: parse_weight(part) for key, part in zip(keys, parts, strict=True)}


def _split_weight_list(text: str) -> list[str]:
    if _FRACTION.match(text):
        return [text]
    if "/" in text and " " not in text.strip() and text.count("/") >= 2:
        return text.split("/")
    return [p for p in re.split(r"[\s;|]+", text.replace(" %", "%")) if p]


@dataclass(frozen=True, slots=True)
class Member:
    """A person known to the organisation."""

    id: int
    organisation_id: int
    display_name: str
    roles: frozenset[Role]
    college_key: str | None = None
    language: str | None = None
    contact: str | None = None
    active: bool = True

    def has(self, role: Role) -> bool:
        """True if the member holds a role."""
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        """True for admins."""
        return Role.ADMIN in self.roles


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation code that admits people with a role and a collège."""

    code: str
    role: Role
    college_key: str | None
    max_uses: int
    uses: int
    expires_at: datetime | None
    display_name: str | None = None
    revoked: bool = False

    def check_usable(self, now: datetime) -> None:
        """Raise a DomainError if the code may not be used now."""
        if self.revoked:
            raise DomainError("invitation.revoked")
        if self.expires_at is not None and now >= self.expires_at:
            raise DomainError("invitation.expired")
        if self.uses >= self.max_uses:
            raise DomainError("invitation.used_up")


def new_invitation_code(length: int = 8) -> str:
    """A random, unambiguous, easy-to-type code."""
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(length))


def normalise_invitation_code(text: str) -> str:
    """Codes are case- and dash-insensitive when typed."""
    return re.sub(r"[\s-]", "", text).upper()


def role_for_invitation(role: Role, college_key: str | None, statutes: Statutes) -> None:
    """Associates need a collège of the statutes; other roles may name one."""
    if college_key is not None:
        statutes.college(college_key)
    if role is Role.ASSOCIATE and college_key is None and statutes.colleges:
        raise DomainError("invitation.associate_needs_college")


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One person read from a roster CSV."""

    line: int
    display_name: str
    college_key: str | None
    role: Role
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """A roster line that could not be read, and why (a message key)."""

    line: int
    key: str
    params: dict[str, object] = field(default_factory=dict)
