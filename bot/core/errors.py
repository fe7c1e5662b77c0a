"""Errors are values with a message key, translated at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A rule was broken; `key` names a translatable message, `params` fill it in."""

    def __init__(self, key: str, params: Mapping[str, Any] | None = None) -> None:
        self.key = key
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(key, self.params)

    def __repr__(self) -> str:
        return f"DomainError({self.key!r}, {self.params!r})"


class PermissionDenied(DomainError):
    """The person may not do this."""

    def __init__(self, key: str = "error.not_allowed", params: Mapping[str, Any] | None = None):
        super().__init__(key, params)


class NotFound(DomainError):
    """Something named by the person does not exist."""
