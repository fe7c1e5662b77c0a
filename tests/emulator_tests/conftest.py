"""Fixtures: a started emulator and a real PTB Application polling it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # make ``tests.telegram_emulator`` importable without config
    sys.path.insert(0, str(ROOT))

from telegram.ext import BaseRateLimiter  # noqa: E402

from tests.telegram_emulator import TelegramEmulator  # noqa: E402
from tests.telegram_emulator.ptb import application_builder  # noqa: E402

from .bot_under_test import App, add_handlers  # noqa: E402

TOKEN = "987654:EMULATOR-TEST"
AppFactory = Callable[..., Awaitable[App]]


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    """A running emulator (random port), stopped after the test."""
    emulator = TelegramEmulator(token=TOKEN, username="parvis_emu_bot")
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


def build_app(emu: TelegramEmulator, rate_limiter: BaseRateLimiter[int] | None = None) -> App:
    """A PTB Application talking to ``emu`` (not started)."""
    builder = application_builder(emu)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    return builder.build()


@pytest.fixture
async def app_factory(emu: TelegramEmulator) -> AsyncIterator[AppFactory]:
    """Start real Applications (handlers of ``bot_under_test``); all are stopped afterwards."""
    started: list[App] = []

    async def start(polling: bool = True, rate_limiter: BaseRateLimiter[int] | None = None) -> App:
        app = build_app(emu, rate_limiter)
        add_handlers(app)
        await app.initialize()
        await app.start()
        started.append(app)
        if polling:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0)
        return app

    yield start
    for app in reversed(started):
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
async def app(app_factory: AppFactory) -> App:
    """One started, polling Application."""
    return await app_factory()
