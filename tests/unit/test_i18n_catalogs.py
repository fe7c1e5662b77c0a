"""The catalogs are complete: every message in the code is translated, nothing is fuzzy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Translator, negotiate_language

ROOT = Path(__file__).resolve().parents[2]


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "t",
            "-k",
            "ctx.t",
            "-k",
            "plural:1,2",
            "-k",
            "t.plural:1,2",
            "--no-location",
            "-o",
            str(pot),
            "bot",
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_message_in_the_code_is_in_both_catalogs(tmp_path: Path) -> None:
    extracted = _extracted_ids(tmp_path)
    for language in ("fr", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        missing = sorted(extracted - known)
        assert not missing, f"{language}: run scripts/i18n.sh and translate: {missing[:10]}"


def test_no_empty_or_fuzzy_translation() -> None:
    for language in ("fr", "en"):
        for message in _catalog(language):
            if not message.id:
                continue
            assert "fuzzy" not in message.flags, f"{language}: fuzzy {message.id!r}"
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{language}: untranslated {message.id!r}"


def test_placeholders_survive_translation() -> None:
    import re

    for message in _catalog("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"\{(\w+)\}", ids[-1]))
        for string in strings:
            assert set(re.findall(r"\{(\w+)\}", string)) <= wanted | {"n"}, message.id


def test_french_is_the_default_and_english_is_available() -> None:
    assert negotiate_language(None) == "fr"
    assert negotiate_language("en-GB") == "en"
    assert negotiate_language("de") == "fr"
    assert Translator("fr")("Statutes") == "Statuts"
    assert Translator("en")("Statutes") == "Statutes"


def test_numbers_and_percentages_follow_the_locale() -> None:
    from fractions import Fraction

    assert Translator("fr").percent(Fraction(19, 30)) == "63,3\u00a0%"
    assert Translator("en").percent(Fraction(19, 30)) == "63.3%"
    assert Translator("fr").plural("{n} member", "{n} members", 0) == "0 membre"
    assert Translator("en").plural("{n} member", "{n} members", 0) == "0 members"
