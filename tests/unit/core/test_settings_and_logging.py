"""Settings read the PaaS forms; secrets never reach reprs or logs."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import RedactingFilter, redact
from bot.settings import Settings, normalise_database_url


def test_paas_database_url_forms() -> None:
    assert normalise_database_url("postgres://u:p@h:5432/db?sslmode=require") == (
        "postgresql+asyncpg://u:p@h:5432/db?ssl=require"
    )
    assert normalise_database_url("sqlite:///data/x.db") == "sqlite+aiosqlite:///data/x.db"


def test_secrets_stay_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARVIS_TELEGRAM__TOKEN", "123456:SECRET-TOKEN-VALUE")
    monkeypatch.setenv("DATABASE_URL", "postgres://parvis:hunter2@db/parvis")
    settings = Settings()
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123456:SECRET-TOKEN-VALUE"
    text = repr(settings) + str(settings.model_dump())
    assert "SECRET-TOKEN-VALUE" not in text and "hunter2" not in text
    assert "hunter2" not in settings.safe_database_url()


def test_defaults_come_from_the_toml_file() -> None:
    settings = Settings()
    assert settings.organisation.timezone == "Europe/Paris"
    assert settings.telegram.mode == "polling"


def test_log_lines_are_redacted() -> None:
    line = (
        "POST https://api.telegram.org/bot123456:AAE_abcdefghijklmnopqrstuvwxyz/sendMessage "
        "access_token=syt_abc Bearer abc.def postgresql://u:pw@h/db"
    )
    cleaned = redact(line)
    for secret in ("AAE_abcdefghijklmnopqrstuvwxyz", "syt_abc", "abc.def", ":pw@"):
        assert secret not in cleaned
    record = logging.makeLogRecord({"msg": "token=%s", "args": ("xyz",)})
    RedactingFilter().filter(record)
    assert "xyz" not in record.getMessage()
