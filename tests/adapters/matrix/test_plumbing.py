"""Config, DM detection, sync bookkeeping and the retrying request wrapper (no server)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientConnectionError
from nio import Event, MatrixRoom, RoomSendError, RoomSendResponse

from bot.platforms.matrix.client import MatrixClient, MatrixError, MatrixUnavailable
from bot.platforms.matrix.config import MatrixConfig, server_of
from bot.platforms.matrix.dm import is_private_with
from bot.platforms.matrix.state import SyncProgress
from bot.platforms.matrix.sync import after_own_join
from bot.settings import MatrixSettings

BOT = "@parvis:coop.example"


def config(**overrides: Any) -> MatrixConfig:
    values: dict[str, Any] = {
        "homeserver": "http://127.0.0.1:1",
        "user_id": BOT,
        "encryption": False,
        "backoff_initial": 0.01,
        "backoff_max": 0.02,
    }
    values.update(overrides)
    return MatrixConfig(**values)


def test_allowed_homeservers_default_to_the_bots_own() -> None:
    assert server_of("@alice:Coop.Example") == "coop.example" and server_of("nonsense") == ""
    assert config().allows("@alice:coop.example")
    assert not config().allows("@eve:evil.example")
    picky = config(allowed_homeservers=frozenset({"partner.example"}))
    assert picky.allows("@bob:partner.example") and not picky.allows("@alice:coop.example")


def test_config_from_settings_keeps_secrets_out_of_repr() -> None:
    settings = MatrixSettings(
        homeserver="https://matrix.coop.example/",
        user_id=BOT,
        password="hunter2",
        allowed_homeservers=["Coop.Example"],
    )
    built = MatrixConfig.from_settings(settings)
    assert built.homeserver == "https://matrix.coop.example" and built.password == "hunter2"
    assert built.allowed_homeservers == frozenset({"coop.example"})
    assert built.trust_policy == "trust_on_first_use"
    with pytest.raises(ValueError, match="PASSWORD"):
        MatrixConfig.from_settings(MatrixSettings(homeserver="https://x", user_id=BOT))
    assert built.state_key("sync") == f"matrix:sync:{BOT}"


def test_a_dm_is_private() -> None:
    room = MatrixRoom("!dm:coop.example", BOT)
    room.add_member(BOT, "Parvis", None)
    room.add_member("@alice:coop.example", "Alice", None)
    assert is_private_with(room, BOT, "@alice:coop.example")
    assert not is_private_with(room, BOT, "@bob:coop.example")
    room.add_member("@carol:coop.example", "Carol", None, invited=True)
    assert not is_private_with(room, BOT, "@alice:coop.example")


def _member_event(n: int, state_key: str, membership: str, prev: str | None) -> Event:
    unsigned = {"prev_content": {"membership": prev}} if prev else {}
    return Event.parse_event(
        {
            "type": "m.room.member",
            "event_id": f"$m{n}",
            "sender": state_key,
            "state_key": state_key,
            "origin_server_ts": n,
            "content": {"membership": membership},
            "unsigned": unsigned,
        }
    )


def _text(n: int) -> Event:
    return Event.parse_event(
        {
            "type": "m.room.message",
            "event_id": f"$t{n}",
            "sender": "@a:x",
            "origin_server_ts": n,
            "content": {"msgtype": "m.text", "body": "!x"},
        }
    )


def test_events_before_the_bots_join_are_dropped() -> None:
    events = [_text(1), _member_event(2, BOT, "join", "invite"), _text(3)]
    assert [e.event_id for e in after_own_join(events, BOT)] == ["$t3"]
    # a display name change is not a join; other people's joins do not matter
    renamed = [
        _text(1),
        _member_event(2, BOT, "join", "join"),
        _member_event(3, "@a:x", "join", None),
        _text(4),
    ]
    assert len(after_own_join(renamed, BOT)) == 4


def test_sync_tokens_become_safe_only_in_order() -> None:
    progress = SyncProgress()
    first = progress.add("t1", 2)
    second = progress.add("t2", 1)
    progress.done(second)
    assert progress.safe_token is None  # t2 is done but t1 is not: storing t2 would lose t1
    progress.done(first)
    assert progress.safe_token is None
    progress.done(first)
    assert progress.safe_token == "t2" and progress.idle
    progress.add("t3", 0)
    assert progress.safe_token == "t3"


def _client(**overrides: Any) -> MatrixClient:
    return MatrixClient(config(**overrides), state=None)  # type: ignore[arg-type]


async def test_call_waits_as_told_on_429_then_succeeds() -> None:
    client = _client()
    answers: list[Any] = [
        RoomSendError("Too Many Requests", "M_LIMIT_EXCEEDED", retry_after_ms=120),
        RoomSendResponse("$ok", "!r"),
    ]
    started = asyncio.get_running_loop().time()
    result = await client.call(lambda: _pop(answers), "room_send")
    assert isinstance(result, RoomSendResponse)
    assert asyncio.get_running_loop().time() - started >= 0.11
    assert client.rate_limited == 1
    await client.close()


async def test_call_retries_connection_errors_then_gives_up() -> None:
    client = _client()
    attempts = 0

    async def down() -> Any:
        nonlocal attempts
        attempts += 1
        raise ClientConnectionError("refused")

    with pytest.raises(MatrixUnavailable):
        await client.call(down, "sync", max_wait=0.2)
    assert attempts >= 3
    await client.close()


async def test_call_never_hangs_on_a_long_rate_limit() -> None:
    client = _client()
    answers: list[Any] = [RoomSendError("Too Many", "M_LIMIT_EXCEEDED", retry_after_ms=333_000)]
    started = asyncio.get_running_loop().time()
    with pytest.raises(MatrixUnavailable):
        await client.call(lambda: _pop(answers), "login", max_wait=5)
    assert asyncio.get_running_loop().time() - started < 1
    await client.close()


async def test_call_turns_refusals_into_exceptions() -> None:
    client = _client()
    answers: list[Any] = [RoomSendError("You are not in this room", "M_FORBIDDEN")]
    with pytest.raises(MatrixError) as raised:
        await client.call(lambda: _pop(answers), "room_send")
    assert raised.value.errcode == "M_FORBIDDEN" and not isinstance(
        raised.value, MatrixUnavailable
    )
    await client.close()


async def _pop(answers: list[Any]) -> Any:
    return answers.pop(0)


def test_store_path_is_a_path() -> None:
    assert isinstance(config().store_path, Path)
