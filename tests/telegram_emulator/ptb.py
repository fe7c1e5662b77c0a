"""Helpers to point python-telegram-bot at the emulator quickly.

httpx builds an SSL context and loads the CA bundle for every client (about 80 ms each, and
PTB makes two per bot). The emulator is plain HTTP, so these helpers share one context; this
keeps an Application's start-up at a few milliseconds.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

from telegram import Bot
from telegram.ext import ApplicationBuilder
from telegram.request import HTTPXRequest

from .server import TelegramEmulator


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """One default SSL context for every test client."""
    return ssl.create_default_context()


def fast_request(pool: int = 256) -> HTTPXRequest:
    """PTB's default HTTPXRequest, but reusing :func:`shared_ssl_context`."""
    return HTTPXRequest(connection_pool_size=pool, httpx_kwargs={"verify": shared_ssl_context()})


def application_builder(
    emu: TelegramEmulator,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ``ApplicationBuilder`` with token, ``base_url`` and ``base_file_url`` of ``emu``."""
    return (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .request(fast_request())
        .get_updates_request(fast_request(1))
    )


def make_bot(emu: TelegramEmulator) -> Bot:
    """A plain PTB ``Bot`` for ``emu`` (use it as ``async with make_bot(emu) as bot``)."""
    return Bot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=fast_request(),
        get_updates_request=fast_request(1),
    )
