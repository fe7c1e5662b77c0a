"""The Bot API emulator's fixture for the Telegram adapter tests."""

from tests.telegram_emulator.pytest_plugin import telegram_emulator  # noqa: F401
