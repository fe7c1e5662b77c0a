"""Who is ignored, what is not replayed, and what survives restarts and rate limits."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from nio import RoomCreateResponse, RoomMemberEvent

from bot.app import App
from bot.platforms.matrix.client import MatrixUnavailable
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.runner import MatrixService
from bot.platforms.matrix.state import AdapterState
from bot.platforms.ports import Screen
from tests.e2e.matrix.support import BotFactory, Member, MemberFactory, eventually, make_admin
from tests.matrix_harness import free_port
from tests.matrix_harness.clients import (
    create_dm,
    make_client,
    member_joined,
    patient_config,
    set_direct_rooms,
    start_sync,
)
from tests.matrix_harness.pytest_plugin import ServerFactory, UserFactory

pytestmark = pytest.mark.asyncio


def _left(room_id: str, user_id: str):  # type: ignore[no-untyped-def]
    return lambda i: (
        i.room_id == room_id
        and isinstance(i.event, RoomMemberEvent)
        and i.event.state_key == user_id
        and i.event.membership == "leave"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_unknown_rooms_and_senders_are_ignored(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    dm = await alice.open_dm()
    assert "Commands you can use" in await alice.say("!help")

    # a room that is not a DM: the invite is declined
    created = await alice.client.room_create(name="assemblée", invite=[bot.user_id])
    assert isinstance(created, RoomCreateResponse)
    await alice.synced.inbox.wait_for(_left(created.room_id, bot.user_id))

    # a DM that grew to three people is no longer private: nobody is answered there
    carol = await matrix_member(bot, prefix="carol")
    await alice.client.room_invite(dm, carol.user_id)
    await alice.synced.inbox.wait_for(member_joined(dm, carol.user_id))
    await carol.send("!help", room_id=dm)
    await alice.send("!help")
    assert await alice.replies_so_far(settle=0.6) == []

    # a homeserver that is not allowed: its people's invites are declined
    picky = await matrix_bot(allowed_homeservers=frozenset({"elsewhere.example"}))
    dave = await matrix_member(picky, prefix="dave")
    room = await create_dm(dave.client, picky.user_id)
    await dave.synced.inbox.wait_for(_left(room, picky.user_id))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_configured_group_room_hears_commands_only(
    app: App,
    matrix_bot: BotFactory,
    matrix_member: MemberFactory,
    matrix_user_factory: UserFactory,
) -> None:
    account = matrix_user_factory("parvis")
    watcher = await matrix_member(await matrix_bot(), prefix="alice")
    created = await watcher.client.room_create(name="conseil")
    assert isinstance(created, RoomCreateResponse)
    bot = await matrix_bot(  # logs in with an access token (no password)
        user=account,
        password=None,
        access_token=account.access_token,
        group_rooms=frozenset({created.room_id}),
    )
    await make_admin(app, watcher.user_id, "Alice", "en")
    alice = Member(watcher.synced, bot.user_id, room_id=created.room_id)
    await watcher.client.room_invite(created.room_id, bot.user_id)
    await watcher.synced.inbox.wait_for(member_joined(created.room_id, bot.user_id))
    assert "Commands you can use" in await alice.say("!help")
    await alice.send("hello")
    await alice.send("2")
    assert await alice.replies_so_far(settle=0.5) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_messages_from_before_start_are_not_replayed(  # type: ignore[no-untyped-def]
    app, synapse, matrix_bot, matrix_user_factory
) -> None:
    account = matrix_user_factory("parvis")
    earlier = await make_client(synapse.base_url, account)  # the bot's account, before Parvis
    alice_user = matrix_user_factory("alice")
    alice_client = await make_client(synapse.base_url, alice_user)
    try:
        room = await create_dm(alice_client, account.user_id)
        assert not isinstance(await earlier.join(room), Exception)
        await set_direct_rooms(earlier, {alice_user.user_id: [room]})
        for text in ("!help", "!whoami", "hello?"):
            await alice_client.room_send(
                room, "m.room.message", {"msgtype": "m.text", "body": text}
            )
    finally:
        await earlier.close()
        await alice_client.close()
    await asyncio.sleep(0.05)  # the old messages are strictly older than start-up

    bot = await matrix_bot(user=account)
    watcher = await make_client(synapse.base_url, alice_user)
    synced = await start_sync(watcher)
    alice = Member(synced, bot.user_id, room_id=room)
    try:
        assert await alice.replies_so_far(settle=0.5) == []
        assert "!start" in await alice.say("!whoami")  # new messages are answered, once
        assert await alice.replies_so_far(settle=0.5) == []
    finally:
        await synced.stop()
        await watcher.close()


async def test_restart_resumes_from_the_database_token_and_backfills(  # type: ignore[no-untyped-def]
    app, matrix_bot, matrix_member
) -> None:
    bot = await matrix_bot(timeline_limit=3)
    alice = await matrix_member(bot)
    await alice.open_dm()
    assert "!c0" in await alice.say("!c0")
    await bot.stop()
    token_key = bot.adapter.config.state_key("sync")
    token = await AdapterState(app.db).get(token_key)
    assert token

    for n in range(1, 9):  # sent while Parvis is down: more than the timeline limit of 3
        await alice.send(f"!c{n}")
    again = await matrix_bot(
        user=bot.account, timeline_limit=3, store_path=bot.adapter.config.store_path
    )
    assert again.adapter.client.nio.device_id == bot.adapter.client.nio.device_id
    answers = [(await alice.next_reply()).event.body for _ in range(8)]
    assert [a.split("!c")[1][0] for a in answers] == [str(n) for n in range(1, 9)]
    assert await alice.replies_so_far(settle=0.5) == []  # !c0 was not answered twice
    assert again.adapter.sync.backfilled >= 5  # the limited sync was completed with /messages

    async def moved() -> bool:
        return await AdapterState(app.db).get(token_key) != token

    await eventually(moved, timeout=5)  # the new token is stored (within token_save_delay)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_homeserver_restart_mid_run(
    app: App, synapse_factory: ServerFactory, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    server = synapse_factory()
    bot = await matrix_bot(server=server)
    alice = await matrix_member(bot, server=server, config=patient_config())
    await alice.open_dm()
    assert "!before" in await alice.say("!before")

    await alice.send("!racing")  # may or may not be seen before the server goes away
    await asyncio.to_thread(server.restart)
    await alice.send("!after")
    answers = [(await alice.next_reply(timeout=20)).event.body for _ in range(2)]
    assert "!racing" in answers[0] and "!after" in answers[1]
    assert await alice.replies_so_far(settle=0.5) == []
    assert not bot.task.done()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_default_rate_limits_slow_the_bot_down(  # type: ignore[no-untyped-def]
    app, synapse_factory, matrix_bot, matrix_member
) -> None:
    server = synapse_factory(rate_limits="default")
    bot = await matrix_bot(server=server)
    alice = await matrix_member(bot, server=server)
    server.override_ratelimit(alice.user_id)  # only the bot is limited
    await alice.open_dm()
    started = time.monotonic()
    count = 10  # Synapse's default: a burst of 10 events (the join is one), then one per 5 s
    for n in range(count):
        await alice.send(f"!r{n}")
    answers = [(await alice.next_reply(timeout=40)).event.body for _ in range(count)]
    assert [f"!r{n}" in a for n, a in enumerate(answers)] == [True] * count
    assert bot.adapter.client.rate_limited >= 1
    assert time.monotonic() - started > 2  # it waited as told instead of failing


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # DB-independent
async def test_service_waits_for_an_unreachable_homeserver_and_stops_cleanly(
    app: App, tmp_path: Path
) -> None:
    config = MatrixConfig(
        homeserver=f"http://127.0.0.1:{free_port()}",  # nobody listens there
        user_id="@parvis:localhost",
        password="pw",
        store_path=tmp_path / "store",
        backoff_initial=0.01,
        backoff_max=0.05,
        max_request_wait=0.3,
    )
    service = MatrixService(config)
    stop = asyncio.Event()
    running = asyncio.create_task(service.run(app, stop))
    await asyncio.sleep(0.8)  # login gave up after 0.3 s; the service waits to try again
    assert not running.done()
    with pytest.raises(MatrixUnavailable):
        await service.messenger.send_direct("@alice:localhost", Screen(text="x"))
    stop.set()
    await asyncio.wait_for(running, timeout=5)
