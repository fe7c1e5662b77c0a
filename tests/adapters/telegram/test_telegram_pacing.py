"""Per-chat pacing, the completion window and the rate limiter's routing (short real times)."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.platforms.telegram.pacing import ChatPacer, CompletionWindow, ParvisRateLimiter

# PTB 22 warns about RetryAfter.retry_after's future type whenever it builds one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

INTERVAL = 0.05


async def send_times(pacer: ChatPacer, chat: int, count: int, bulk: bool) -> list[float]:
    times = []
    for _ in range(count):
        async with pacer.slot(chat, bulk=bulk):
            times.append(time.monotonic())
    return times


async def test_bulk_messages_to_one_chat_are_spaced() -> None:
    times = await send_times(ChatPacer(INTERVAL), 7, 4, bulk=True)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= INTERVAL * 0.95 for gap in gaps), gaps


async def test_replies_may_burst_then_are_paced() -> None:
    times = await send_times(ChatPacer(INTERVAL, burst=3), 7, 4, bulk=False)
    assert times[2] - times[0] < INTERVAL  # three at once
    assert times[3] - times[0] >= 3 * INTERVAL * 0.95  # the fourth waits for the window


async def test_other_chats_and_groups_do_not_wait() -> None:
    pacer = ChatPacer(1.0)
    started = time.monotonic()
    await asyncio.gather(*(send_times(pacer, chat, 1, bulk=True) for chat in range(1, 50)))
    await send_times(pacer, -100, 3, bulk=True)  # groups: AIORateLimiter's business
    assert time.monotonic() - started < 0.5


async def test_completion_window_keeps_slots_after_requests_end() -> None:
    window = CompletionWindow(2, period=0.1)
    ends = []

    async def request() -> None:
        async with window.slot():
            await asyncio.sleep(0.01)
        ends.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(request(), request())
    async with window.slot():
        third = time.monotonic()
    assert third - min(ends) >= 0.1 * 0.95 and third - started >= 0.1


async def test_private_edits_skip_the_overall_limiter_but_honour_retry_after() -> None:
    limiter = ParvisRateLimiter(max_retries=2)
    calls: list[str] = []

    async def flaky(name: str) -> Any:
        calls.append(name)
        if calls.count(name) == 1 and name == "edit":
            raise RetryAfter(0)
        return True

    data = {"chat_id": 42, "text": "x"}
    assert await limiter.process_request(flaky, ("edit",), {}, "editMessageText", data, None)
    assert calls == ["edit", "edit"]  # retried after retry_after
    sends = [
        limiter.process_request(flaky, ("send",), {}, "sendMessage", data, None) for _ in range(3)
    ]
    started = time.monotonic()
    await asyncio.gather(*sends)
    assert time.monotonic() - started >= 2 / 30 * 0.9  # no burst: 1 per 1/30 s
