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
import time
from collections import deque
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
        """Edits in private chats, and requests to no chat (answerCallbackQuery, which
        AIORateLimiter does not limit either), go straight out; the rest through
        AIORateLimiter."""
        chat_id = data.get("chat_id")
        if chat_id is None or (endpoint in INTERACTIVE_METHODS and _is_private(chat_id)):
            return await self._with_retries(callback, args, kwargs, rate_limit_args)

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
    """Messages to one chat: bulk ones at most one per `interval`; replies to the person's own
    action may come in a short burst (`burst` per `burst × interval`), then are paced too.

    Times are taken when a request *ends* (Telegram has surely counted it by then), so time
    spent queueing behind the overall limiter never passes for spacing. Groups are paced by
    AIORateLimiter (20 per minute), not here.
    """

    def __init__(
        self, interval: float = 1.0, burst: int = 3, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.burst = burst
        self.clock = clock
        self._sent: dict[int, deque[float]] = {}
        self._locks = KeyedLocks()

    @asynccontextmanager
    async def slot(self, chat_id: int, *, bulk: bool) -> AsyncIterator[None]:
        """Wait for the chat's turn, send inside the block."""
        if chat_id < 0:
            yield
            return
        allowed = 1 if bulk else self.burst
        async with self._locks.hold(str(chat_id)):
            delay = self._delay(chat_id, allowed)
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                yield
            finally:
                self._record(chat_id)

    def _delay(self, chat_id: int, allowed: int) -> float:
        """How long until fewer than `allowed` sends ended in the last `allowed × interval`."""
        sent = self._sent.get(chat_id)
        if not sent or len(sent) < allowed:
            return 0.0
        return sent[-allowed] + allowed * self.interval - self.clock()

    def _record(self, chat_id: int) -> None:
        now = self.clock()
        self._sent.setdefault(chat_id, deque(maxlen=self.burst)).append(now)
        if len(self._sent) > 10_000:
            horizon = now - self.burst * self.interval
            for key in [k for k, times in self._sent.items() if times[-1] < horizon]:
                del self._sent[key]
