"""A small PTB bot used by the tests: /start with a keyboard, buttons, documents, photos."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)


def png_bytes(width: int, height: int) -> bytes:
    """A valid grey PNG image of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


App = Application[Any, Any, Any, Any, Any, Any]

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="vote:yes"),
            InlineKeyboardButton("No", callback_data="vote:no"),
        ],
        [InlineKeyboardButton("Charter", url="https://example.org/charter")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets with an inline keyboard; echoes a deep-link code."""
    assert update.effective_message is not None and update.effective_user is not None
    code = f" (code {context.args[0]})" if context.args else ""
    await update.effective_message.reply_text(
        f"Welcome <b>{update.effective_user.first_name}</b>{code}",
        parse_mode=ParseMode.HTML,
        reply_markup=KEYBOARD,
    )


async def vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the button press and edits the message."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(f"Recorded {query.data}")
    await query.edit_message_text(f"You voted {query.data.split(':')[1]}")


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Downloads a user's document through getFile and reports its digest."""
    message = update.effective_message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    digest = hashlib.sha256(data).hexdigest()[:16]
    await message.reply_text(f"{message.document.file_name}: {len(data)} bytes, {digest}")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replies with a generated PNG."""
    assert update.effective_message is not None
    await update.effective_message.reply_photo(png_bytes(64, 32), caption="chart")


def add_handlers(app: App) -> None:
    """Register the handlers on ``app``."""
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("photo", photo))
    app.add_handler(CallbackQueryHandler(vote, pattern=r"^vote:"))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
