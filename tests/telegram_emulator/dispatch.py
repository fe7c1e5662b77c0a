"""Calling a Bot API method: latency, blocked users, flood limits, then the handler."""

from __future__ import annotations

import asyncio
from typing import Any

from . import methods_bot, methods_messages  # noqa: F401  (register the handlers)
from .errors import ApiError, forbidden
from .params import Args
from .registry import METHODS
from .state import BotState


async def call_method(state: BotState, name: str, args: Args) -> Any:
    """Run Bot API method ``name`` for ``state``'s bot; raise :class:`ApiError` on failure.

    Order of checks: unknown method (404), simulated latency, chat resolution (400 ``chat not
    found``), blocked user (403), flood limit (429), handler. The flood limiter counts a
    request only if the handler succeeded.
    """
    spec = METHODS.get(name.lower())
    if spec is None:
        raise ApiError(404, "Not Found")
    state.calls[spec.name] += 1
    try:
        if state.config.latency_ms > 0:
            await asyncio.sleep(state.config.latency_ms / 1000)
        counted = spec.kind == "send" or (spec.kind == "edit" and state.config.count_edits)
        chat_id: int | None = None
        paid = args.flag("allow_paid_broadcast")
        if spec.kind != "other" and "chat_id" in args:
            chat_id = state.resolve_chat(args.raw("chat_id"))
            if chat_id in state.blocked:
                raise forbidden("bot was blocked by the user")
            if counted:
                retry_after = state.limiter.check(chat_id, paid)
                if retry_after is not None:
                    raise ApiError(
                        429, f"Too Many Requests: retry after {retry_after}", retry_after
                    )
        result = await spec.func(state, args)
        if counted and chat_id is not None:
            state.limiter.record(chat_id, paid)
        return result
    except ApiError as error:
        state.errors[error.code] += 1
        raise
