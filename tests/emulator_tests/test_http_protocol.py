"""The Bot API wire protocol: encodings, errors, getUpdates semantics, webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, Conflict

from tests.telegram_emulator import TelegramEmulator
from tests.telegram_emulator.ptb import make_bot

from .bot_under_test import png_bytes


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, emu: TelegramEmulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}{emu.token}/{method}", json=params) as response:
        return response.status, await response.json()


async def test_query_string_form_and_json_bodies(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    base = f"{emu.base_url}{emu.token}"
    markup = json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]})
    async with http.get(f"{base}/sendMessage", params={"chat_id": "5", "text": "q"}) as r:
        assert (await r.json())["result"]["text"] == "q"
    form = {"chat_id": "6", "text": "f", "reply_markup": markup}
    async with http.post(f"{base}/sendmessage", data=form) as r:  # case-insensitive
        assert (await r.json())["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    async with http.post(f"{base}/sendMessage", json={"chat_id": 7, "text": "j"}) as r:
        body = await r.json()
    assert body["ok"] is True and body["result"]["chat"] == {
        "id": 7,
        "type": "private",
        "first_name": "User7",
    }
    assert [m.text for m in emu.sent_to(5) + emu.sent_to(6) + emu.sent_to(7)] == ["q", "f", "j"]


async def test_multipart_with_attach_reference(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", "9")
    form.add_field("document", "attach://blob")
    form.add_field("blob", b"\x00\x01binary", filename="data.bin")
    async with http.post(f"{emu.base_url}{emu.token}/sendDocument", data=form) as r:
        result = (await r.json())["result"]
    assert result["document"]["file_name"] == "data.bin"
    assert emu.sent_to(9)[0].document == b"\x00\x01binary"
    file_id = result["document"]["file_id"]
    _, got = await call(http, emu, "getFile", file_id=file_id)
    async with http.get(f"{emu.base_file_url}{emu.token}/{got['result']['file_path']}") as r:
        assert await r.read() == b"\x00\x01binary"
    async with http.get(f"{emu.base_file_url}{emu.token}/documents/nope.bin") as r:
        assert r.status == 404


async def test_error_statuses_and_bodies(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{emu.base_url}999:WRONG/getMe") as r:
        assert (r.status, await r.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    async with http.post(f"{emu.base_url}{emu.token}/sendTelepathy") as r:
        assert r.status == 404 and (await r.json())["description"] == "Not Found"
    status, body = await call(
        http, emu, "sendMessage", chat_id=1, text="<blink>x</blink>", parse_mode="HTML"
    )
    assert status == 400 and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: can't parse entities: Unsupported")
    status, body = await call(http, emu, "sendPhoto", chat_id=1, photo="https://x.org/a.png")
    assert status == 400 and "wrong file identifier" in body["description"]
    assert emu.stats().errors == {400: 2}


async def test_photo_dimensions_and_garbage_image(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    for payload, expected in ((png_bytes(320, 200), 200), (b"not an image", 400)):
        form = aiohttp.FormData()
        form.add_field("chat_id", "3")
        form.add_field("photo", payload, filename="x.png")
        async with http.post(f"{emu.base_url}{emu.token}/sendPhoto", data=form) as r:
            assert r.status == expected
            body = await r.json()
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    [photo] = emu.sent_to(3)
    assert (photo.json["photo"][0]["width"], photo.json["photo"][0]["height"]) == (320, 200)


async def test_long_poll_wakes_on_injection_and_times_out(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    _, empty = await call(http, emu, "getUpdates", timeout=0.3)
    assert empty["result"] == [] and 0.25 <= time.monotonic() - started < 1.0
    poll = asyncio.create_task(call(http, emu, "getUpdates", timeout=10))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    emu.user_message(1, "ping")
    _, body = await poll
    assert time.monotonic() - started < 1.0  # the poll timeout is 10 s
    assert [u["message"]["text"] for u in body["result"]] == ["ping"]


async def test_offset_limit_and_allowed_updates(
    emu: TelegramEmulator, http: aiohttp.ClientSession
) -> None:
    ids = [emu.user_message(1, f"m{i}")["update_id"] for i in range(4)]
    _, first = await call(http, emu, "getUpdates", limit=2)
    assert [u["update_id"] for u in first["result"]] == ids[:2]
    _, again = await call(http, emu, "getUpdates", limit=2)  # not confirmed: redelivered
    assert again["result"] == first["result"]
    _, rest = await call(http, emu, "getUpdates", offset=ids[1] + 1)
    assert [u["update_id"] for u in rest["result"]] == ids[2:]
    _, last = await call(http, emu, "getUpdates", offset=-1)
    assert [u["update_id"] for u in last["result"]] == ids[3:]
    await call(http, emu, "getUpdates", offset=ids[3] + 1)
    assert emu.pending_updates == []
    emu.user_message(1, "/start")
    _, body = await call(http, emu, "getUpdates")
    [update] = body["result"]
    await call(
        http, emu, "getUpdates", offset=update["update_id"] + 1, allowed_updates=["callback_query"]
    )
    emu.user_message(1, "filtered out")
    _, body = await call(http, emu, "getUpdates", timeout=0)
    assert body["result"] == [] and emu.pending_updates == []


async def test_second_poller_terminates_first_with_409(emu: TelegramEmulator) -> None:
    bot, other = make_bot(emu), make_bot(emu)
    async with bot, other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await first
        emu.user_message(1, "for the second")
        [update] = await second
        assert update.message is not None and update.message.text == "for the second"


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[tuple[str, list[web.Request], list[Any]]]:
    """A webhook endpoint on 127.0.0.1 that fails its first delivery with 500."""
    requests: list[web.Request] = []
    bodies: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        requests.append(request)
        bodies.append(await request.json())
        return web.Response(status=500 if len(requests) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/hook", requests, bodies
    await runner.cleanup()


async def test_webhook_push_with_secret_and_retry(
    emu: TelegramEmulator, webhook_receiver: tuple[str, list[web.Request], list[Any]]
) -> None:
    url, requests, bodies = webhook_receiver
    bot = make_bot(emu)
    async with bot:
        with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
            await bot.set_webhook("https://example.org/hook")
        assert await bot.set_webhook(url, secret_token="s3cr3t-token")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        emu.user_message(11, "/start")
        await emu.wait_delivered(timeout=3)
        assert len(requests) == 2  # 500 then 200
        assert {r.headers["X-Telegram-Bot-Api-Secret-Token"] for r in requests} == {"s3cr3t-token"}
        update = Update.de_json(bodies[1], bot)
        assert update.message is not None and update.message.text == "/start"
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message == (
            "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert emu.stats().redeliveries == 1
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()
