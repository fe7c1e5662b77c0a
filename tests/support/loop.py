"""Watching the event loop: stalls show as gaps between the ticks of a small task."""

from __future__ import annotations

import asyncio
import time


class Ticker:
    """Counts how often the loop ran it: stalls show as missing ticks."""

    def __init__(self) -> None:
        self.ticks: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every 10 ms until `stop`, with a last tick when it sees `stop` (so a stall
        just before the end is counted too)."""
        while True:
            self.ticks.append(time.monotonic())
            if stop.is_set():
                return
            await asyncio.sleep(0.01)

    def longest_gap(self) -> float:
        return max((b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)), default=0)
