"""Encrypted messages the bot cannot decrypt: never dropped without a word.

Real Synapse, real e2e-capable nio clients. A member's client blacklists the bot's device, so
it encrypts with a Megolm session it never shares with the bot: the homeserver delivers the
event, the bot has no key for it (nio gives a `MegolmEvent`). The bot asks for the key, and
tells the person, in their language, to send the message again; after the client shares its
keys with the bot again, the message sent again is handled.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from nio import MegolmEvent, RoomMessageNotice, RoomMessagesResponse
from nio.crypto import OlmDevice

from bot.app import App
from tests.e2e.matrix.rooms import BotAccount, add_members, create_encrypted_group_room
from tests.e2e.matrix.support import (
    BotFactory,
    Member,
    MemberFactory,
    RunningBot,
    is_bot_notice,
    knows_devices,
    make_admin,
)
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.clients import member_joined
from tests.matrix_harness.pytest_plugin import unique_localpart

pytestmark = pytest.mark.asyncio

NOT_READ_EN = (
    "⚠️ I could not read your last message: it was encrypted with a key my device has not "
    "received. Please send it again."
)
NOT_READ_FR = (
    "⚠️ Je n’ai pas pu lire votre dernier message : il a été chiffré avec une clé que mon "
    "appareil n’a pas reçue. Merci de l’envoyer à nouveau."
)


async def hide_from_bot(member: Member, bot: RunningBot) -> OlmDevice:
    """Blacklist the bot's device in the member's client: what it encrypts from now on uses a
    new Megolm session the bot never receives. Returns the device (to unblacklist it)."""
    await knows_devices(member, [bot.user_id])
    device = member.client.device_store[bot.user_id][bot.adapter.client.nio.device_id]
    assert member.client.blacklist_device(device)
    return device


async def bot_notices(member: Member, room_id: str, bot_id: str) -> list[str]:
    """The bodies of the bot's notices in a room, oldest first, read from the homeserver (and
    decrypted by the member's client)."""
    page = await member.client.room_messages(room_id, None, limit=100)
    assert isinstance(page, RoomMessagesResponse), page
    return [
        str(event.body)
        for event in reversed(page.chunk)
        if isinstance(event, RoomMessageNotice) and event.sender == bot_id
    ]


def stored_type(synapse: SynapseServer, member: Member, room_id: str, event_id: str) -> Any:
    """The type of an event as the homeserver stores it."""
    stored = synapse.request_json(
        "GET",
        f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(event_id)}",
        access_token=member.client.access_token,
    )
    return stored["type"]


async def test_an_undecryptable_dm_message_is_answered_and_the_resend_handled(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot, encrypted=True, prefix="alice")
    await make_admin(app, alice.user_id, "Alice", "en")  # the organisation speaks French
    room = await alice.open_dm(encrypted=True)
    device = await hide_from_bot(alice, bot)

    lost = await alice.send("!help")  # a burst of two messages the bot cannot read
    await alice.send("!whoami")
    notice = await alice.next_reply()
    assert notice.event.body == NOT_READ_EN  # in alice's language, instead of the help
    assert notice.event.decrypted  # alice reads it: the bot still encrypts for her
    assert stored_type(synapse, alice, room, notice.event.event_id) == "m.room.encrypted"
    nio = bot.adapter.client.nio
    assert alice.client.olm is not None
    session = alice.client.olm.outbound_group_sessions[room].id
    assert session in nio.outgoing_key_requests  # the bot asked for the key, once
    assert bot.adapter.unreadable.key_requests == 1
    assert isinstance((await nio.room_get_event(room, lost)).event, MegolmEvent)

    assert alice.client.unblacklist_device(device)  # the client shares its keys again
    answer = await alice.talk("!help", bot)  # sent again: handled
    assert "Commands you can use" in answer and "could not read" not in answer, answer
    notices = await bot_notices(alice, room, bot.user_id)
    assert notices.count(NOT_READ_EN) == 1, notices  # one notice for the burst
    assert not any("Alice" in body for body in notices), notices  # !whoami was not read

    carol = await matrix_member(bot, encrypted=True, prefix="carol")  # nobody's member
    await carol.open_dm(encrypted=True)
    await hide_from_bot(carol, bot)
    await carol.send("1")
    assert (await carol.next_reply()).event.body == NOT_READ_FR  # the organisation's language
    assert bot.adapter.unreadable.notices == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_in_a_group_room_only_members_are_told_by_name_once(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    localpart = unique_localpart("parvis")
    account = synapse.register(localpart, f"{localpart}-pw")
    stand_in = BotAccount(account.user_id)
    bob = await matrix_member(stand_in, encrypted=True, prefix="bob")
    eve = await matrix_member(stand_in, encrypted=True, prefix="eve")  # nobody's member
    await add_members(app, [bob.user_id], language="fr")
    room = await create_encrypted_group_room(bob.client, [account.user_id, eve.user_id])
    bot = await matrix_bot(user=account, group_rooms=frozenset({room}))
    everyone = (account.user_id, bob.user_id, eve.user_id)
    for person in (bob, eve):
        for other in everyone:
            await person.synced.inbox.wait_for(member_joined(room, other), timeout=10)
        await knows_devices(person, everyone)
        person.room_id = room
    hidden = await hide_from_bot(bob, bot)
    await hide_from_bot(eve, bot)

    await eve.send("!help")  # a stranger: not answered
    first = await bob.send("!help")  # a member, twice in a row: told once
    await bob.send("!whoami")
    notice = await bob.synced.inbox.wait_for(is_bot_notice(bot.user_id, room), timeout=10)
    name = localpart_of(bob.user_id)
    assert notice.event.body == NOT_READ_FR.replace("⚠️ Je", f"⚠️ {name}, je"), notice.content
    assert notice.content["m.mentions"] == {"user_ids": [bob.user_id]}
    pill = f'<a href="https://matrix.to/#/{bob.user_id}">{name}</a>'
    assert pill in notice.content["formatted_body"], notice.content
    assert notice.event.decrypted
    bot_saw = await bot.adapter.client.nio.room_get_event(room, first)
    assert isinstance(bot_saw.event, MegolmEvent), bot_saw  # really undecryptable for the bot

    assert bob.client.unblacklist_device(hidden)
    answer = await bob.talk("!help", bot)  # sent again: handled in the room
    assert "Les commandes que vous pouvez utiliser" in answer, answer
    notices = await bot_notices(bob, room, bot.user_id)
    told = [body for body in notices if "n’ai pas pu lire" in body]
    assert len(told) == 1 and name in told[0], notices  # eve got nothing, bob one notice
    assert bot.adapter.unreadable.key_requests == 2  # eve's session and bob's (one each)


def localpart_of(user_id: str) -> str:
    """`@bob-1:localhost` -> `bob-1` (Synapse's default display name)."""
    return user_id[1:].split(":", 1)[0]
