"""Structured logging without personal data or secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

_SECRET_PATTERNS = (
    re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}"),  # Telegram tokens inside URLs
    re.compile(r"(access_token|password|token)=([^&\s]+)", re.IGNORECASE),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/\s]+:)[^@\s]+@"),
)
_STANDARD = set(vars(logging.makeLogRecord({})))


def redact(text: str) -> str:
    """Mask tokens, passwords and bearer credentials in a log line."""
    text = _SECRET_PATTERNS[0].sub("bot<redacted>", text)
    text = _SECRET_PATTERNS[1].sub(r"\1=<redacted>", text)
    text = _SECRET_PATTERNS[2].sub(r"\1<redacted>", text)
    return _SECRET_PATTERNS[3].sub(r"\1<redacted>@", text)


class RedactingFilter(logging.Filter):
    """Applied to every handler: no secret reaches the output."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message with secrets masked."""
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, structured extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Format a record as JSON."""
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload:
                payload[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            payload["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "aiosqlite", "nio", "apscheduler", "peewee"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
