"""Roster CSV as an `m.file`, and the same conversation in an end-to-end encrypted DM."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import pytest
from nio import (
    MemoryDownloadResponse,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomMessageFile,
    UploadResponse,
)
from nio.crypto.attachments import decrypt_attachment

from bot.app import App
from bot.members.service import MembersService
from bot.platforms.ports import Attachment, Screen
from tests.e2e.matrix.support import BotFactory, Member, MemberFactory, make_admin
from tests.matrix_harness import SynapseServer

pytestmark = pytest.mark.asyncio

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
ROSTER = (
    "name,college,role,contact\n"
    "Zoé Martin,usagers,associate,zoe@example.org\n"
    "Yann Le Gall,salaries,associate,\n"
    ",usagers,associate,\n"
).encode()


async def _set_up_colleges(admin: Member) -> None:
    for line in (
        "!college add salaries Salariés | Employees",
        "!college add usagers Usagers | Service users",
        "!college add collectivites Collectivités | Local authorities",
    ):
        assert (await admin.say(line)).startswith("✓")


async def _bot_file(member: Member, bot_id: str) -> bytes:
    """Download (and decrypt) the file the bot posted last in the member's DM."""
    found = await member.synced.inbox.wait_for(
        lambda i: (
            i.room_id == member.room_id
            and i.sender == bot_id
            and isinstance(i.event, RoomMessageFile | RoomEncryptedFile)
        )
    )
    event: Any = found.event
    downloaded = await member.client.download(event.url)
    assert isinstance(downloaded, MemoryDownloadResponse), downloaded
    if isinstance(event, RoomEncryptedFile):
        return bytes(
            decrypt_attachment(downloaded.body, event.key["k"], event.hashes["sha256"], event.iv)
        )
    return bytes(downloaded.body)


async def test_roster_csv_sent_as_a_file(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    await _set_up_colleges(alice)
    assert "CSV file" in await alice.say("!roster import")
    await alice.send_file("roster.csv", ROSTER)
    report = (await alice.next_reply()).event.body
    assert "2 invitations created" in report and "Zoé Martin" in report
    assert "line 4" in report  # the line without a name is reported, not imported
    codes = (await _bot_file(alice, bot.user_id)).decode()
    assert codes.startswith("name,college,role,contact,code") and "Yann Le Gall" in codes


async def test_encrypted_dm_round_trip(
    app: App, synapse: SynapseServer, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot()
    alice = await matrix_member(bot, encrypted=True)
    await make_admin(app, alice.user_id, "Alice", "en")
    room_id = await alice.open_dm(encrypted=True)

    await alice.send("!help")
    reply = await alice.next_reply()
    assert reply.event.decrypted and "Commands you can use" in reply.event.body
    stored = synapse.request_json(
        "GET",
        f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(reply.event.event_id)}",
        access_token=alice.client.access_token,
    )
    assert stored["type"] == "m.room.encrypted" and "Commands" not in str(stored["content"])
    device = bot.adapter.client.nio.device_store[alice.user_id][alice.client.device_id]
    assert device.verified  # trust_on_first_use: the member's device was pinned when first seen

    assert "1. Français" in await alice.say("!language")
    assert "English" in await alice.say("2")  # typed choice, encrypted both ways
    await _set_up_colleges(alice)
    await alice.say("!roster import")
    await alice.send_file("roster.csv", ROSTER)  # an encrypted attachment
    assert "2 invitations created" in (await alice.next_reply()).event.body
    assert "Zoé Martin" in (await _bot_file(alice, bot.user_id)).decode()


async def test_bot_opens_an_encrypted_dm_posts_edits_and_pictures(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot(trust_policy="ignore_unverified")
    bob = await matrix_member(bot, encrypted=True, prefix="bob")
    async with app.db.uow() as uow:
        await MembersService(uow, app.organisation).add_plain_member(
            "matrix", bob.user_id, "Bob", "fr"
        )
        await uow.commit()
    adapter = bot.adapter
    await adapter.messenger.send_direct(bob.user_id, Screen(text="Scrutin ouvert"))
    got = await bob.synced.inbox.wait_for(
        lambda i: i.sender == bot.user_id and i.type == "m.room.message", timeout=10
    )
    assert got.event.body == "Scrutin ouvert" and got.event.decrypted  # sent before bob joined
    bob.room_id = got.room_id
    bob.consumed.add(got.event.event_id)
    direct = await adapter.client.nio.list_direct_rooms()
    assert direct.rooms[bob.user_id] == [got.room_id]  # recorded in m.direct
    device = adapter.client.nio.device_store[bob.user_id][bob.client.device_id]
    assert not device.verified  # ignore_unverified records no trust

    # the DM is reused; edits use m.replace; pictures are encrypted m.image uploads
    chart = Attachment("chart.png", PNG, "image/png", "Résultats")
    ref = await adapter.messenger.send_direct(bob.user_id, Screen(text="Rappel"))
    assert ref.chat.chat_key == got.room_id
    await adapter.messenger.edit(ref, Screen(text="Rappel (modifié)", attachments=(chart,)))
    edit = await bob.synced.inbox.wait_for(lambda i: "m.new_content" in i.content)
    assert edit.content["m.relates_to"] == {"rel_type": "m.replace", "event_id": ref.message_key}
    assert edit.content["m.new_content"]["body"] == "Rappel (modifié)"
    picture = await bob.synced.inbox.wait_for(lambda i: isinstance(i.event, RoomEncryptedImage))
    downloaded = await bob.client.download(picture.event.url)
    assert isinstance(downloaded, MemoryDownloadResponse)
    event: Any = picture.event
    assert (
        decrypt_attachment(downloaded.body, event.key["k"], event.hashes["sha256"], event.iv)
        == PNG
    )
    await bob.replies_so_far(settle=0)  # "Rappel" and the rest are read
    assert "Bob" in await bob.say("!whoami")  # and answers in that DM are heard


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_file_over_the_size_cap_gets_a_clear_message(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot = await matrix_bot(max_file_bytes=100_000)
    alice = await matrix_member(bot)
    await make_admin(app, alice.user_id, "Alice", "en")
    await alice.open_dm()
    await alice.say("!roster import")
    big = ROSTER + b"x" * 150_000
    await alice.send_file("roster.csv", big)  # its declared size is over the cap
    refused = (await alice.next_reply()).event.body
    assert "This file is too large: 0.1 MB at most." in refused and "empty" not in refused

    upload, _ = await alice.client.upload(
        io.BytesIO(big), content_type="text/csv", filename="roster.csv", filesize=len(big)
    )
    assert isinstance(upload, UploadResponse), upload
    content = {"msgtype": "m.file", "body": "roster.csv", "url": upload.content_uri}
    await alice.send_content(content)  # no declared size: the download is cut at the cap
    assert "too large" in (await alice.next_reply()).event.body
