"""The real Telegram adapter (PTB, real HTTP) against the Bot API emulator on 127.0.0.1, with
the real application on SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.app import App
from bot.platforms.telegram.adapter import TelegramAdapter
from bot.platforms.telegram.pacing import ChatPacer
from tests.e2e.telegram.telegram_e2e_support import (
    FAST_TYPING,
    TOKEN,
    WAIT,
    Bot,
    Processed,
    telegram_settings,
)
from tests.telegram_emulator import TelegramEmulator


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    """A started emulator (random port on 127.0.0.1) with fast-typing limits."""
    emulator = TelegramEmulator(token=TOKEN, username="parvis_e2e_bot")
    emulator.config(**FAST_TYPING)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


StartBot = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def start_bot(app: App, emu: TelegramEmulator) -> AsyncIterator[StartBot]:
    """Start the adapter (any number of times, one at a time); all are stopped at the end."""
    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(real_pacing: bool = False, **changes: Any) -> Bot:
        processed = Processed()
        adapter = TelegramAdapter(
            app,
            telegram_settings(emu, **changes),
            on_processed=processed,
            pacer=None if real_pacing else ChatPacer(interval=0.001),  # scripts type fast
        )
        stop = asyncio.Event()
        task = asyncio.create_task(adapter.run(stop))
        ready = asyncio.create_task(adapter.ready.wait())
        await asyncio.wait({task, ready}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert adapter.ready.is_set(), "the adapter did not start"
        running.append((stop, task))

        async def stop_bot() -> None:
            stop.set()
            await asyncio.wait_for(task, WAIT)

        return Bot(app, emu, adapter, processed, stop_bot)

    try:
        yield start
    finally:
        for stop, task in running:
            stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, WAIT)


@pytest.fixture
async def bot(start_bot: StartBot) -> Bot:
    """The adapter in polling mode."""
    return await start_bot()
