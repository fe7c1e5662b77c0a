"""The Telegram adapter: python-telegram-bot 22, started inside Parvis's own event loop."""
