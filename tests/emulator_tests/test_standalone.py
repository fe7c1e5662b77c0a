"""``python -m tests.telegram_emulator`` runs standalone and is driven over HTTP."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

from tests.telegram_emulator.client import EmulatorClient

ROOT = Path(__file__).resolve().parents[2]


async def test_standalone_process_serves_bot_api_and_test_api() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.telegram_emulator",
        "--port",
        "0",
        "--token",
        "77:CLI",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), timeout=10)
        assert first_line.startswith(b"PORT ")
        url = f"http://127.0.0.1:{int(first_line.split()[1])}"
        async with EmulatorClient(url) as emu, aiohttp.ClientSession() as http:
            async with http.get(f"{url}/bot77:CLI/getMe") as response:
                me = (await response.json())["result"]
            assert me["is_bot"] is True and me["id"] == 77
            poll = asyncio.create_task(
                http.post(f"{url}/bot77:CLI/getUpdates", data={"timeout": "5"})
            )
            await asyncio.sleep(0.05)
            await emu.user_message(3, "/start")
            async with await poll as response:
                [update] = (await response.json())["result"]
            async with http.post(
                f"{url}/bot77:CLI/sendMessage",
                data={"chat_id": "3", "text": f"hi {update['message']['from']['first_name']}"},
            ):
                pass
            [sent] = await emu.sent(3, n=1)
            assert sent["text"] == "hi User3"
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=5)
