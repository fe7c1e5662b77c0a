"""Exceptions raised by the emulator.

:class:`ApiError` is turned into a Bot API error response (``{"ok": false, ...}``) by the
HTTP layer; :class:`EmulatorError` is raised by the test-side API when a test asks for
something impossible (for example pressing a button that does not exist).
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error, rendered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """Build a 400 error with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """Build a 403 error with Telegram's ``Forbidden:`` prefix."""
    return ApiError(403, f"Forbidden: {detail}")


class EmulatorError(AssertionError):
    """A test-side request the emulator cannot honour (unknown message, missing button...).

    It subclasses :class:`AssertionError` so that pytest reports it as a test failure.
    """


class EmulatorTimeout(EmulatorError):
    """A ``wait_*`` call did not see the expected state before its timeout."""
