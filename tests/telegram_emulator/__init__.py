"""A Telegram Bot API emulator for tests (aiohttp, 127.0.0.1 only).

Point a python-telegram-bot ``Application`` at :attr:`TelegramEmulator.base_url` /
:attr:`TelegramEmulator.base_file_url`, play users with ``user_message`` / ``press_button`` /
``send_document``, and assert on ``sent_to`` / ``wait_sent`` / ``callback_answers``.
"""

from .config import EmulatorConfig
from .errors import ApiError, EmulatorError, EmulatorTimeout
from .models import CallbackAnswer, EditRecord, Stats, StoredFile, StoredMessage
from .server import TelegramEmulator
from .testapi import BotDriver

__all__ = [
    "ApiError",
    "BotDriver",
    "CallbackAnswer",
    "EditRecord",
    "EmulatorConfig",
    "EmulatorError",
    "EmulatorTimeout",
    "Stats",
    "StoredFile",
    "StoredMessage",
    "TelegramEmulator",
]
