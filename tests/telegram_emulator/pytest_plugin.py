"""A pytest fixture for other test packages.

Import it into a ``conftest.py``::

    from tests.telegram_emulator.pytest_plugin import telegram_emulator  # noqa: F401

then request ``telegram_emulator`` in async tests (pytest-asyncio auto mode).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .server import TelegramEmulator


@pytest.fixture
async def telegram_emulator() -> AsyncIterator[TelegramEmulator]:
    """A started emulator on a random 127.0.0.1 port; stopped after the test."""
    emulator = TelegramEmulator()
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
