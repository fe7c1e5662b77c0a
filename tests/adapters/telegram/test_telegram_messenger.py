"""Telegram's errors as the Messenger port's errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from telegram.error import BadRequest, RetryAfter, TimedOut

from bot.platforms.ports import PlatformUnavailable, RecipientUnreachable
from bot.platforms.telegram.ids import private_chat
from bot.platforms.telegram.messenger import _port_errors
from bot.platforms.telegram.sender import RecipientBlocked

# PTB 22 warns about RetryAfter.retry_after's future type whenever it builds one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHAT = private_chat("42")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: RecipientBlocked(42), RecipientUnreachable),
        (lambda: BadRequest("Bad Request: chat not found"), RecipientUnreachable),
        (lambda: RetryAfter(7), PlatformUnavailable),  # built in the test: PTB warns
        (lambda: TimedOut(), PlatformUnavailable),
        (lambda: BadRequest("Bad Request: message is too long"), BadRequest),
    ],
)
async def test_errors_are_mapped(make: Callable[[], Exception], expected: type[Exception]) -> None:
    raised = make()
    with pytest.raises(expected) as caught:
        async with _port_errors(CHAT):
            raise raised
    if isinstance(caught.value, PlatformUnavailable) and isinstance(raised, RetryAfter):
        assert caught.value.retry_after == 7
