"""The framework's own ceiling: a bare PTB 22 bot that only answers callback queries.

Same PTB version, same `concurrent_updates` as Parvis, no database, no dispatch, no edit.
Run by the Telegram benchmarks: `python benchmarks/telegram_bare_bot.py BASE_URL TOKEN N`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes


async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the spinner; nothing else."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def main(base_url: str, token: str, concurrent: int) -> None:
    """Poll until SIGTERM."""
    application: Any = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .concurrent_updates(concurrent)
        .build()
    )
    application.add_handler(CallbackQueryHandler(answer))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(timeout=25)
    await stop.wait()
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
