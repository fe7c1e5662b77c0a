"""Flood-limit simulation: Telegram's 429 ``Too Many Requests: retry after N``.

Three limits apply to every counted request of a bot: the overall limit (or the paid
broadcast limit when ``allow_paid_broadcast`` is set), and either the private-chat limit
(``chat_id > 0``) or the group limit (``chat_id < 0``). A request is *checked* before it is
handled and *recorded* only if it succeeds, like Telegram which does not count failed calls.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .config import EmulatorConfig, FloodMode


@dataclass(frozen=True)
class Limit:
    """At most ``capacity`` events per ``period`` seconds."""

    capacity: int
    period: float


class _Window:
    """Strict rolling window: at most ``capacity`` events in any ``period``."""

    def __init__(self) -> None:
        self.events: deque[float] = deque()

    def wait_time(self, limit: Limit, now: float) -> float:
        while self.events and self.events[0] <= now - limit.period:
            self.events.popleft()
        if len(self.events) < limit.capacity:
            return 0.0
        return self.events[len(self.events) - limit.capacity] + limit.period - now

    def record(self, limit: Limit, now: float) -> None:
        self.events.append(now)


class _Bucket:
    """Token bucket of ``capacity`` tokens refilled at ``capacity / period`` tokens/s."""

    def __init__(self, limit: Limit, now: float) -> None:
        self.tokens = float(limit.capacity)
        self.stamp = now

    def _refill(self, limit: Limit, now: float) -> None:
        rate = limit.capacity / limit.period
        self.tokens = min(float(limit.capacity), self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    def wait_time(self, limit: Limit, now: float) -> float:
        self._refill(limit, now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) * limit.period / limit.capacity

    def record(self, limit: Limit, now: float) -> None:
        self._refill(limit, now)
        self.tokens -= 1.0


class FloodLimiter:
    """Per-bot flood limiter reading its limits from a live :class:`EmulatorConfig`."""

    def __init__(
        self, config: EmulatorConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.clock = clock
        self._mode: FloodMode = config.flood_mode
        self._state: dict[tuple[str, int], _Window | _Bucket] = {}

    def reset(self) -> None:
        """Forget every recorded send."""
        self._state.clear()

    def _limits(self, chat_id: int, paid: bool) -> list[tuple[tuple[str, int], Limit]]:
        cfg = self.config
        overall = (
            (("paid", 0), Limit(cfg.paid_per_second, 1.0))
            if paid
            else (("overall", 0), Limit(cfg.overall_per_second, 1.0))
        )
        if chat_id < 0:
            chat = Limit(cfg.group_per_minute, 60.0)
        else:
            burst = max(1, cfg.private_burst)
            chat = Limit(burst, burst / cfg.private_per_second)
        return [overall, (("chat", chat_id), chat)]

    def _slot(self, key: tuple[str, int], limit: Limit, now: float) -> _Window | _Bucket:
        if self._mode != self.config.flood_mode:
            self._mode = self.config.flood_mode
            self._state.clear()
        slot = self._state.get(key)
        if slot is None:
            slot = _Window() if self._mode == "window" else _Bucket(limit, now)
            self._state[key] = slot
        return slot

    def check(self, chat_id: int, paid: bool = False) -> int | None:
        """Return ``retry_after`` in whole seconds (≥ 1) if the send must be refused."""
        if not self.config.flood:
            return None
        now = self.clock()
        wait = max(
            self._slot(key, limit, now).wait_time(limit, now)
            for key, limit in self._limits(chat_id, paid)
        )
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))

    def record(self, chat_id: int, paid: bool = False) -> None:
        """Count one successful send to ``chat_id``."""
        if not self.config.flood:
            return
        now = self.clock()
        for key, limit in self._limits(chat_id, paid):
            self._slot(key, limit, now).record(limit, now)
