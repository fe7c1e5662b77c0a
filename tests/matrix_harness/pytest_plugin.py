"""pytest fixtures for tests against a real, throwaway Synapse homeserver.

Load with ``pytest_plugins = ["tests.matrix_harness.pytest_plugin"]`` in the top-level
``tests/conftest.py``, or import the fixtures by name into a deeper conftest (pytest rejects
``pytest_plugins`` in non-top-level conftests). Fixtures:

* ``synapse``: one ``SynapseServer`` for the whole session (relaxed rate limits).
* ``synapse_factory``: start extra servers (own data dir, optional default rate limits),
  stopped at the end of the test.
* ``matrix_user_factory``: ``factory(prefix="user", admin=False) -> MatrixUser`` (unique names).
* ``matrix_client_factory``: ``await factory(user=None, encryption=False, config=None)``
  returns an ``AsyncClient``, closed at teardown (``user=None`` registers a fresh user).
* ``matrix_sync``: ``await matrix_sync(client) -> SyncedClient``, sync task cancelled at teardown.

A missing Synapse is a test *error* (not a skip): run ``.ci/install-synapse.sh``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from nio import AsyncClient, AsyncClientConfig

from .clients import SyncedClient, make_client, start_sync
from .config import RateLimits
from .server import MatrixUser, SynapseError, SynapseNotInstalledError, SynapseServer


class UserFactory(Protocol):
    """Registers a new user with a unique localpart starting with ``prefix``."""

    def __call__(self, prefix: str = "user", admin: bool = False) -> MatrixUser: ...


class ClientFactory(Protocol):
    """Returns a nio client for ``user`` (a new user if ``None``), closed at teardown."""

    def __call__(
        self,
        user: MatrixUser | None = None,
        *,
        encryption: bool = False,
        config: AsyncClientConfig | None = None,
    ) -> Awaitable[AsyncClient]: ...


ServerFactory = Callable[..., SynapseServer]
SyncFactory = Callable[..., Awaitable[SyncedClient]]

_counter = itertools.count()


def _start_server(data_dir: Path, **kwargs: Any) -> SynapseServer:
    """Start a server, turning "not installed" and start-up failures into test failures."""
    problem = ""
    try:
        return SynapseServer(data_dir, **kwargs).start()
    except SynapseNotInstalledError as error:
        problem = str(error)
    except SynapseError as error:
        problem = f"Synapse did not start: {error}"
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """One throwaway homeserver (relaxed rate limits) shared by the whole test session."""
    server = _start_server(tmp_path_factory.mktemp("synapse"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def synapse_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Start extra servers: ``synapse_factory(rate_limits="default")``; stopped at teardown."""
    servers: list[SynapseServer] = []

    def factory(rate_limits: RateLimits = "relaxed", **kwargs: Any) -> SynapseServer:
        data_dir = tmp_path_factory.mktemp(f"synapse-{rate_limits}")
        server = _start_server(data_dir, rate_limits=rate_limits, **kwargs)
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()


def unique_localpart(prefix: str = "user") -> str:
    """A localpart that no other test of this session uses."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def matrix_user_factory(synapse: SynapseServer) -> UserFactory:
    """Register users with unique names on the session server."""

    def factory(prefix: str = "user", admin: bool = False) -> MatrixUser:
        localpart = unique_localpart(prefix)
        return synapse.register(localpart, f"{localpart}-password", admin=admin)

    return factory


@pytest.fixture
async def matrix_client_factory(
    synapse: SynapseServer, matrix_user_factory: UserFactory, tmp_path: Path
) -> AsyncIterator[ClientFactory]:
    """Connected nio clients on the session server; all closed at teardown."""
    clients: list[AsyncClient] = []

    async def factory(
        user: MatrixUser | None = None,
        *,
        encryption: bool = False,
        config: AsyncClientConfig | None = None,
    ) -> AsyncClient:
        user = user or matrix_user_factory()
        store_dir = tmp_path / "nio-stores" / f"{user.localpart}-{user.device_id}"
        client = await make_client(
            synapse.base_url, user, store_dir=store_dir, encryption=encryption, config=config
        )
        clients.append(client)
        return client

    try:
        yield factory
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
async def matrix_sync(matrix_client_factory: ClientFactory) -> AsyncIterator[SyncFactory]:
    """``await matrix_sync(client, **start_sync_kwargs)``; sync tasks cancelled at teardown.

    Depends on ``matrix_client_factory`` so the sync tasks stop before the clients close.
    """
    running: list[SyncedClient] = []

    async def factory(client: AsyncClient, **kwargs: Any) -> SyncedClient:
        synced = await start_sync(client, **kwargs)
        running.append(synced)
        return synced

    try:
        yield factory
    finally:
        for synced in running:
            await synced.stop()
