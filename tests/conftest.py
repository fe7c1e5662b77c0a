"""Fixtures: every database test runs on a real SQLite and a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.core.clock import FrozenClock
from bot.i18n import compile_catalogs
from bot.settings import OrganisationDefaults, Settings
from tests.support import databases
from tests.support.shell import ShellConversation

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> databases.SqliteTemplate:
    """One migrated SQLite file per session, copied per test."""
    return databases.SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One migrated PostgreSQL database per session (tables emptied per test)."""
    databases.start_postgres_if_down()
    if not databases.pg_available():
        pytest.fail("PostgreSQL is not reachable at TEST_PG_URL; CI must start it")
    name = databases.unique_name()
    url = asyncio.run(databases.create_pg_database(name))
    databases.migrations.upgrade(url)
    yield url
    asyncio.run(databases.drop_pg_database(name))


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: databases.SqliteTemplate
) -> str:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        return sqlite_template.fresh(tmp_path)
    url: str = request.getfixturevalue("pg_database")
    asyncio.run(databases.truncate_all(url))
    return url


@pytest.fixture
def clock() -> FrozenClock:
    """A clock that only moves when the test says so."""
    return FrozenClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test organisation on the test database."""
    return Settings(
        database_url=database_url,
        organisation=OrganisationDefaults(slug="test", name="Coop Test"),
    )


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[App]:
    """The real application, built by the composition root."""
    application = await build_app(settings, clock)
    yield application
    await application.close()


@pytest.fixture
def shell(app: App, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory of scripted shell conversations: `alice = shell("alice")`."""

    def make(user: str, language: str | None = None) -> ShellConversation:
        return ShellConversation(app, user, tmp_path / "files", language)

    return make
