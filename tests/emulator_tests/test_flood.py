"""Flood limits: rolling window and token bucket, per private chat, per group, overall."""

from __future__ import annotations

import aiohttp

from tests.telegram_emulator import EmulatorConfig, TelegramEmulator
from tests.telegram_emulator.flood import FloodLimiter


class Clock:
    """A manual clock for deterministic limiter tests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_all(limiter: FloodLimiter, chat_id: int, n: int) -> list[int | None]:
    """Try ``n`` sends; return the refusals (``retry_after``) or ``None`` for accepted ones."""
    out = []
    for _ in range(n):
        retry = limiter.check(chat_id)
        if retry is None:
            limiter.record(chat_id)
        out.append(retry)
    return out


def test_window_private_chat_one_per_second_with_burst() -> None:
    clock = Clock()
    limiter = FloodLimiter(EmulatorConfig(private_burst=1), clock)
    assert send_all(limiter, 5, 2) == [None, 1]
    clock.now += 0.99
    assert limiter.check(5) == 1
    clock.now += 0.02
    assert send_all(limiter, 5, 1) == [None]
    burst = FloodLimiter(EmulatorConfig(private_burst=3), clock)
    assert send_all(burst, 6, 4) == [None, None, None, 3]


def test_window_group_twenty_per_minute_and_overall_thirty_per_second() -> None:
    clock = Clock()
    limiter = FloodLimiter(EmulatorConfig(), clock)
    for _ in range(20):
        assert limiter.check(-100) is None
        limiter.record(-100)
        clock.now += 1.0
    assert limiter.check(-100) == 40  # the first send (t=0) leaves the window at t=60
    for user in range(1, 31):
        assert limiter.check(user) is None
        limiter.record(user)
    assert limiter.check(31) == 1
    assert limiter.check(31, paid=True) is None  # allow_paid_broadcast: 1000/s


def test_bucket_refills_continuously() -> None:
    clock = Clock()
    limiter = FloodLimiter(EmulatorConfig(flood_mode="bucket", private_burst=2), clock)
    assert send_all(limiter, 5, 3) == [None, None, 1]
    clock.now += 0.5
    assert limiter.check(5) == 1  # half a token
    clock.now += 0.5
    assert send_all(limiter, 5, 2) == [None, 1]


def test_disabled_flood_accepts_everything() -> None:
    limiter = FloodLimiter(EmulatorConfig(flood=False), Clock())
    assert send_all(limiter, 5, 50) == [None] * 50


async def test_429_body_edits_and_stats(emu: TelegramEmulator) -> None:
    emu.config(private_burst=1, count_edits=True)
    url = f"{emu.base_url}{emu.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "a"}) as r:
            first = (await r.json())["result"]
        async with http.post(
            f"{url}/editMessageText",
            json={"chat_id": 5, "message_id": first["message_id"], "text": "b"},
        ) as r:
            assert r.status == 429
            assert await r.json() == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        for user in range(10, 40):
            async with http.post(f"{url}/sendMessage", json={"chat_id": user, "text": "x"}):
                pass
    stats = emu.stats()
    assert stats.sends == 30 and stats.max_sends_in_1s == 30
    assert stats.too_many_requests == 2  # the edit, then the 31st send in the same second
    assert stats.calls == {"sendMessage": 31, "editMessageText": 1}
    assert stats.messages_per_chat[5] == 1 and emu.sent_to(5)[0].text == "a"
