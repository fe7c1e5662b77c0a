"""Telegram's errors as the Messenger port's errors."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, RetryAfter, TimedOut

from bot.platforms.ports import PlatformUnavailable, RecipientUnreachable
from bot.platforms.telegram.ids import private_chat
from bot.platforms.telegram.messenger import _port_errors
from bot.platforms.telegram.sender import RecipientBlocked

CHAT = private_chat("42")


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (RecipientBlocked(42), RecipientUnreachable),
        (BadRequest("Bad Request: chat not found"), RecipientUnreachable),
        (RetryAfter(7), PlatformUnavailable),
        (TimedOut(), PlatformUnavailable),
        (BadRequest("Bad Request: message is too long"), BadRequest),
    ],
)
async def test_errors_are_mapped(raised: Exception, expected: type[Exception]) -> None:
    with pytest.raises(expected) as caught:
        async with _port_errors(CHAT):
            raise raised
    if isinstance(caught.value, PlatformUnavailable) and isinstance(raised, RetryAfter):
        assert caught.value.retry_after == 7
