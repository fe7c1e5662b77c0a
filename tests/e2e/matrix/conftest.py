"""Fixtures: the real app (SQLite and PostgreSQL) + the real Matrix adapter + a real Synapse."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.platforms.matrix.adapter import MatrixAdapter
from bot.platforms.matrix.config import MatrixConfig
from tests.e2e.matrix.support import (
    BotFactory,
    Member,
    MemberFactory,
    RunningBot,
    start_adapter,
)
from tests.matrix_harness import MatrixUser, SynapseServer
from tests.matrix_harness.clients import make_client, start_sync
from tests.matrix_harness.pytest_plugin import (  # noqa: F401 - fixtures re-exported
    matrix_client_factory,
    matrix_sync,
    matrix_user_factory,
    synapse,
    synapse_factory,
    unique_localpart,
)

_bots = itertools.count()


def bot_config(
    server: SynapseServer, user: MatrixUser, store: Path, **overrides: Any
) -> MatrixConfig:
    """A config for tests: quick reconnection, short long-polls, the given account."""
    settings: dict[str, Any] = {
        "homeserver": server.base_url,
        "user_id": user.user_id,
        "password": user.password,
        "store_path": store,
        "backoff_initial": 0.05,
        "backoff_max": 0.5,
        "max_request_wait": 30.0,
        "sync_timeout_ms": 10_000,
    }
    settings.update(overrides)
    return MatrixConfig(**settings)


@pytest.fixture
async def matrix_bot(
    app: App,
    synapse: SynapseServer,  # noqa: F811 - the harness fixture
    tmp_path: Path,
) -> AsyncIterator[BotFactory]:
    """`await matrix_bot(server=None, user=None, **config)`: a running adapter, stopped after."""
    running: list[RunningBot] = []

    async def start(
        server: SynapseServer | None = None, user: MatrixUser | None = None, **overrides: Any
    ) -> RunningBot:
        server = server or synapse
        if user is None:
            localpart = unique_localpart("parvis")
            user = server.register(localpart, f"{localpart}-pw")
        store = tmp_path / "bot-store" / f"{user.localpart}-{next(_bots)}"
        config = bot_config(server, user, store, **overrides)
        bot = await start_adapter(MatrixAdapter(app, config))
        bot.account = user
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if not bot.task.done():
            await bot.stop()


@pytest.fixture
async def matrix_member(
    synapse: SynapseServer,  # noqa: F811 - the harness fixture
    tmp_path: Path,
) -> AsyncIterator[MemberFactory]:
    """`await matrix_member(bot, encrypted=False, server=None)`: a person with a synced client."""
    made: list[Member] = []

    async def make(
        bot: RunningBot,
        *,
        encrypted: bool = False,
        server: SynapseServer | None = None,
        config: Any = None,
        prefix: str = "member",
    ) -> Member:
        server = server or synapse
        localpart = unique_localpart(prefix)
        user = server.register(localpart, f"{localpart}-pw")
        store = tmp_path / "member-stores" / localpart
        client = await make_client(
            server.base_url, user, store_dir=store, encryption=encrypted, config=config
        )
        synced = await start_sync(client)
        member = Member(synced, bot.user_id, encrypted)
        made.append(member)
        return member

    yield make
    for member in made:
        await member.synced.stop()
        await member.client.close()
