"""Translations: an explicit Translator bound to one reader's language and timezone."""

from bot.i18n.translator import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES_DIR,
    Translator,
    compile_catalogs,
    negotiate_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALES_DIR",
    "Translator",
    "compile_catalogs",
    "negotiate_language",
]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
