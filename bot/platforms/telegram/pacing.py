"""Staying within Telegram's flood limits: no bursts overall, ~1 message/s per private chat.

Telegram documents about 30 messages/s overall for bulk notifications, 1 message/s per chat
and 20 messages/min per group; replying to a person's own action is not bulk sending.
PTB's AIORateLimiter is used with a burst-free overall limiter (1 request per 1/30 s: its
default of 30 per second lets 30 requests out at once, then 429s follow). Three things it does
not do are added here:

* edits and deletions in private chats (answers to a button a person pressed) skip the
  overall limiter, so one busy minute of voting does not queue everyone's edits behind
  announcements; they still honour a 429's retry_after, for that request only;
* bulk sends are paced per private chat (:class:`ChatPacer`), which AIORateLimiter does
  not do at all;
* a request spacing of 1/30 s at our end does not mean 30 in any second at Telegram's end:
  network and scheduling jitter bunch requests up, one 429 follows, and AIORateLimiter then
  pauses every request for retry_after + 0.1 s (measured: 77 % of 30/s on a busy machine).
  :class:`CompletionWindow` keeps a slot for 1 s after each request *ends*, which bounds what
  Telegram can have counted in any second whatever the jitter.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot.platforms.telegram.locks import KeyedLocks

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
MAX_RETRIES = 5
INTERACTIVE_METHODS = frozenset(
    {
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "sendChatAction",
    }
)

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class ParvisRateLimiter(AIORateLimiter):
    """AIORateLimiter without bursts, letting private-chat edits through at once."""

    def __init__(self, max_retries: int = MAX_RETRIES) -> None:
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / OVERALL_PER_SECOND,
            group_max_rate=1,
            group_time_period=60 / GROUP_PER_MINUTE,
            max_retries=max_retries,
        )
        self.retries = max_retries
        self.window = CompletionWindow(OVERALL_PER_SECOND)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Edits in private chats go straight out; everything else through AIORateLimiter."""
        if endpoint in INTERACTIVE_METHODS and _is_private(data.get("chat_id")):
            return await self._with_retries(callback, args, kwargs, rate_limit_args)
        if data.get("chat_id") is None:  # e.g. answerCallbackQuery: not limited
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def windowed(*call_args: Any, **call_kwargs: Any) -> JSON:
            async with self.window.slot():  # after AIORateLimiter's spacing, per attempt
                return await callback(*call_args, **call_kwargs)

        return await super().process_request(
            windowed, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        retries = rate_limit_args or self.retries
        for attempt in range(retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    raise
                await asyncio.sleep(retry_seconds(error) + 0.1)
        raise AssertionError("unreachable")


class CompletionWindow:
    """At most `capacity` requests in flight or ended less than `period` seconds ago.

    If a request starts at s and Telegram counts it at h ≥ s, and every earlier request was
    counted before its answer came back, then at most `capacity` requests are counted in any
    `period` at Telegram's end, however late or bunched the requests arrive there.
    """

    def __init__(self, capacity: int, period: float = 1.0) -> None:
        self.period = period
        self._slots = asyncio.Semaphore(capacity)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the request, and for `period` after it ends."""
        await self._slots.acquire()
        try:
            yield
        finally:
            asyncio.get_running_loop().call_later(self.period, self._slots.release)


def retry_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds."""
    # `retry_after` warns about its int form in PTB 22; the timedelta is what PTB itself reads.
    return float(error._retry_after.total_seconds())


def _is_private(chat_id: object) -> bool:
    try:
        return int(str(chat_id)) > 0
    except ValueError:
        return False


class ChatPacer:
    """At most one bulk message per `interval` seconds to each chat, in order.

    The interval runs from the *end* of the previous request to that chat (when Telegram has
    surely counted it), so time spent queueing behind the overall limiter is never mistaken
    for spacing between two messages.
    """

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self._last: dict[int, float] = {}
        self._locks = KeyedLocks()

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for the chat's turn, send inside the block; the chat is then busy a while."""
        async with self._locks.hold(str(chat_id)):
            delay = self._last.get(chat_id, -math.inf) + self.interval - self.clock()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                yield
            finally:
                self.note(chat_id)

    def note(self, chat_id: int) -> None:
        """A request to this chat just ended (bulk or a direct reply)."""
        now = self.clock()
        self._last[chat_id] = now
        if len(self._last) > 10_000:
            for key in [k for k, at in self._last.items() if at < now - self.interval]:
                del self._last[key]
