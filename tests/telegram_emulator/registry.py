"""Registry of Bot API method handlers (filled by the ``methods_*`` modules)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from .params import Args
from .state import BotState

MethodKind = Literal["send", "edit", "action", "other"]
MethodFunc = Callable[[BotState, Args], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    """A handler and how the dispatcher treats it.

    ``send`` methods are flood-limited and counted as sends; ``edit`` methods are flood-limited
    only with ``count_edits``; ``send``, ``edit`` and ``action`` methods get 403 for chats of
    users who blocked the bot.
    """

    name: str
    func: MethodFunc
    kind: MethodKind


METHODS: dict[str, MethodSpec] = {}


def method(name: str, kind: MethodKind = "other") -> Callable[[MethodFunc], MethodFunc]:
    """Register ``func`` as the handler of Bot API method ``name`` (case-insensitive)."""

    def register(func: MethodFunc) -> MethodFunc:
        METHODS[name.lower()] = MethodSpec(name, func, kind)
        return func

    return register
