"""The test-side API over HTTP, under ``/_emu/<action>``, for bots running in another process.

Every action takes its arguments as a JSON body and/or query string (``token`` selects the
bot, default: the emulator's first bot) and answers ``{"ok": true, "result": ...}``, or
``{"ok": false, "description": ...}`` with status 400 (bad request) / 408 (wait timed out).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import EmulatorError, EmulatorTimeout
from .testapi import BotDriver

if TYPE_CHECKING:
    from .server import TelegramEmulator

Action = Callable[[BotDriver, dict[str, Any]], Awaitable[Any]]


def _int_keys(mapping: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in mapping.items()}


async def _user_message(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.user_message(**p)


async def _press_button(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.press_button(**p)


async def _send_document(driver: BotDriver, p: dict[str, Any]) -> Any:
    data = base64.b64decode(p.pop("data_b64"))
    return driver.send_document(data=data, **p)


async def _answer_poll(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.answer_poll(**p)


async def _block(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.block(**p)


async def _unblock(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.unblock(**p)


async def _sent(driver: BotDriver, p: dict[str, Any]) -> Any:
    chat_id = int(p["chat_id"])
    include = str(p.get("include_bytes", "")).lower() in ("1", "true")
    if "n" in p:
        messages = await driver.wait_sent(chat_id, int(p["n"]), float(p.get("timeout", 5.0)))
    else:
        messages = driver.sent_to(chat_id)
    return [m.to_json(include_bytes=include) for m in messages]


async def _callback_answers(driver: BotDriver, p: dict[str, Any]) -> Any:
    return [a.__dict__ for a in driver.callback_answers]


async def _chat_actions(driver: BotDriver, p: dict[str, Any]) -> Any:
    return [list(a) for a in driver.chat_actions]


async def _commands(driver: BotDriver, p: dict[str, Any]) -> Any:
    scope = p.get("scope")
    if isinstance(scope, str) and scope.startswith("{"):
        scope = json.loads(scope)
    return driver.commands(scope, p.get("language", ""))


async def _config(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.config(**p).to_json()


async def _stats(driver: BotDriver, p: dict[str, Any]) -> Any:
    stats = driver.stats().to_json()
    stats["errors"] = _int_keys(stats["errors"])
    stats["messages_per_chat"] = _int_keys(stats["messages_per_chat"])
    return stats


async def _reset(driver: BotDriver, p: dict[str, Any]) -> Any:
    driver.reset(**p)
    return True


async def _updates(driver: BotDriver, p: dict[str, Any]) -> Any:
    return driver.pending_updates


async def _wait_delivered(driver: BotDriver, p: dict[str, Any]) -> Any:
    await driver.wait_delivered(float(p.get("timeout", 5.0)))
    return True


ACTIONS: dict[str, Action] = {
    "user_message": _user_message,
    "press_button": _press_button,
    "send_document": _send_document,
    "answer_poll": _answer_poll,
    "block": _block,
    "unblock": _unblock,
    "sent": _sent,
    "callback_answers": _callback_answers,
    "chat_actions": _chat_actions,
    "commands": _commands,
    "config": _config,
    "stats": _stats,
    "reset": _reset,
    "updates": _updates,
    "wait_delivered": _wait_delivered,
}


def make_handler(emulator: TelegramEmulator) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Build the aiohttp handler serving ``/_emu/{action}`` for ``emulator``."""

    async def handle(request: web.Request) -> web.Response:
        action = ACTIONS.get(request.match_info["action"])
        if action is None:
            return _fail(404, f"unknown test action; known: {sorted(ACTIONS)}")
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return _fail(400, "the body must be a JSON object")
            if not isinstance(body, dict):
                return _fail(400, "the body must be a JSON object")
            params.update(body)
        token = params.pop("token", None)
        try:
            driver = emulator.bot(token) if token else emulator
            result = await action(driver, params)
        except EmulatorTimeout as exc:
            return _fail(408, str(exc))
        except (EmulatorError, TypeError, KeyError, ValueError) as exc:
            return _fail(400, f"{exc.__class__.__name__}: {exc}")
        return web.json_response({"ok": True, "result": result})

    return handle


def _fail(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)
