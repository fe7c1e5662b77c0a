"""The framework's own ceiling: a bare PTB 22 bot that only answers callback queries.

Same PTB version, same `concurrent_updates` as Parvis, no database, no dispatch, no edit.
Run by the Telegram benchmarks:
`python benchmarks/telegram_bare_bot.py BASE_URL TOKEN N [--edit] [--aiohttp]`
(`--edit`: also edit the message, as Parvis does; `--aiohttp`: Parvis's HTTP transport instead
of PTB's default httpx).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bot` for --aiohttp

from bot.platforms.telegram.transport import AiohttpRequest


async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the spinner; nothing else."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def answer_and_edit(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the spinner and edit the message, at the same time (what Parvis does per tap)."""
    query = update.callback_query
    assert query is not None and query.message is not None
    markup = getattr(query.message, "reply_markup", None)
    await asyncio.gather(
        query.answer(), query.edit_message_text(f"Tapped {query.data}", reply_markup=markup)
    )


async def main(options: argparse.Namespace) -> None:
    """Poll until SIGTERM."""
    builder: Any = (
        ApplicationBuilder()
        .token(options.token)
        .base_url(f"{options.base_url}/bot")
        .base_file_url(f"{options.base_url}/file/bot")
        .concurrent_updates(options.concurrent)
    )
    if options.aiohttp:
        builder = builder.request(AiohttpRequest(options.concurrent + 4)).get_updates_request(
            AiohttpRequest(1, read_timeout=10.0)
        )
    application = builder.build()
    application.add_handler(CallbackQueryHandler(answer_and_edit if options.edit else answer))
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
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("concurrent", type=int)
    parser.add_argument("--edit", action="store_true")
    parser.add_argument("--aiohttp", action="store_true")
    asyncio.run(main(parser.parse_args()))
