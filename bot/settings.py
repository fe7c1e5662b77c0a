"""Typed settings: config/defaults.toml < .env < environment (< explicit arguments)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///data/parvis.db"


class OrganisationDefaults(BaseModel):
    """The organisation created on first run when none exists."""

    slug: str = "default"
    name: str = "Ma coopérative"
    timezone: str = "Europe/Paris"
    language: str = "fr"


class TelegramSettings(BaseModel):
    """Telegram adapter settings."""

    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    concurrent_updates: int = 16


class MatrixSettings(BaseModel):
    """Matrix adapter settings."""

    homeserver: str | None = None
    user_id: str | None = None
    password: SecretStr | None = None
    access_token: SecretStr | None = None
    device_id: str | None = None
    store_path: Path = Path("data/matrix-store")
    allowed_homeservers: list[str] = Field(default_factory=list)
    trust_policy: Literal["trust_on_first_use", "ignore_unverified"] = "trust_on_first_use"
    #: Group rooms (room ids, `!abc:coop.example`) where the bot reads commands and posts polls.
    rooms: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """Everything Parvis reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="PARVIS_",
        env_nested_delimiter="__",
        env_file=ROOT / ".env",
        extra="ignore",
        toml_file=[ROOT / "config" / "defaults.toml", ROOT / "config" / "local.toml"],
    )

    database_url: str = Field(
        DEFAULT_SQLITE_URL,
        validation_alias=AliasChoices("PARVIS_DATABASE_URL", "DATABASE_URL", "database_url"),
        repr=False,
        exclude=True,
    )
    #: SQLite only: run every statement on aiosqlite's worker thread instead of the event
    #: loop's own (see bot/storage/sqlite_inline.py; scheduled jobs always do); slower, but
    #: even a long interactive query never holds the loop.
    sqlite_threaded: bool = False
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    organisation: OrganisationDefaults = OrganisationDefaults()
    telegram: TelegramSettings = TelegramSettings()
    matrix: MatrixSettings = MatrixSettings()

    def safe_database_url(self) -> str:
        """The database URL with any password hidden, for logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments > environment > .env > secrets files > TOML files."""
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            file_secret_settings,
            TomlConfigSettingsSource(settings_cls),
        )


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` form PaaS inject; make relative SQLite paths absolute-safe."""
    if url.startswith("postgres://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("postgresql+asyncpg://") and "sslmode=" in url:
        url = url.replace("sslmode=", "ssl=")
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url
