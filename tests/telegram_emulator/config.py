"""Runtime configuration of one emulated bot (flood limits, latency, strictness)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from .errors import EmulatorError

FloodMode = Literal["window", "bucket"]


@dataclass
class EmulatorConfig:
    """Settings a test can change at any time through ``config(...)``.

    Flood limits follow Telegram's FAQ: about 30 messages/s overall, 1 message/s per private
    chat (short bursts tolerated) and 20 messages/min per group. ``flood_mode="window"`` is a
    strict rolling window (at most ``capacity`` sends in any ``period``), ``"bucket"`` a token
    bucket of ``capacity`` tokens refilled at ``capacity / period`` per second.
    """

    flood: bool = True
    flood_mode: FloodMode = "window"
    overall_per_second: int = 30
    paid_per_second: int = 1000
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20
    count_edits: bool = False
    latency_ms: float = 0.0
    strict_chats: bool = False
    webhook_retry_delay: float = 0.05
    webhook_max_retry_delay: float = 1.0
    webhook_timeout: float = 5.0

    def update(self, **changes: Any) -> None:
        """Apply ``changes``; unknown keys or a bad ``flood_mode`` raise :class:`EmulatorError`."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise EmulatorError(f"unknown config keys {unknown}; known: {sorted(names)}")
        if changes.get("flood_mode", self.flood_mode) not in ("window", "bucket"):
            raise EmulatorError("flood_mode must be 'window' or 'bucket'")
        for key, value in changes.items():
            setattr(self, key, value)

    def to_json(self) -> dict[str, Any]:
        """Plain dict view (used by the HTTP test API)."""
        return dataclasses.asdict(self)
