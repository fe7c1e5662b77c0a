"""Statutes to and from the JSON document stored per version."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bot.members.model import College, EmptyCollegeRule, Statutes


def statutes_to_json(statutes: Statutes) -> dict[str, Any]:
    """Serialise statutes; fractions as exact strings."""
    return {
        "colleges": [
            {"key": c.key, "name_fr": c.name_fr, "name_en": c.name_en, "weight": str(c.weight)}
            for c in statutes.colleges
        ],
        "blank_counts_as_cast": statutes.blank_counts_as_cast,
        "empty_college": statutes.empty_college.value,
        "quorum": str(statutes.quorum),
        "majority": str(statutes.majority),
        "extraordinary_majority": str(statutes.extraordinary_majority),
        "privacy_threshold": statutes.privacy_threshold,
    }


def statutes_from_json(version: int, doc: dict[str, Any]) -> Statutes:
    """Read statutes stored by `statutes_to_json`."""
    defaults = Statutes(version=version)
    return Statutes(
        version=version,
        colleges=tuple(
            College(
                key=c["key"],
                name_fr=c["name_fr"],
                name_en=c["name_en"],
                weight=Fraction(c["weight"]),
            )
            for c in doc.get("colleges", [])
        ),
        blank_counts_as_cast=bool(doc.get("blank_counts_as_cast", False)),
        empty_college=EmptyCollegeRule(doc.get("empty_college", "redistribute")),
        quorum=Fraction(doc.get("quorum", str(defaults.quorum))),
        majority=Fraction(doc.get("majority", str(defaults.majority))),
        extraordinary_majority=Fraction(
            doc.get("extraordinary_majority", str(defaults.extraordinary_majority))
        ),
        privacy_threshold=int(doc.get("privacy_threshold", defaults.privacy_threshold)),
    )
