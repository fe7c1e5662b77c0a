"""Bot API methods about the bot itself: getMe, updates, webhooks, files, commands."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .content import MAX_DOWNLOAD
from .errors import ApiError, bad_request
from .params import Args
from .registry import method
from .state import DEFAULT_UPDATE_TYPES, UPDATES, BotState, WebhookConfig

CONFLICT_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG_RE = re.compile(r"^([a-z]{2})?$")
_SIMPLE_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
    }
)


@method("getMe")
async def get_me(state: BotState, args: Args) -> Any:
    """getMe: the bot user with its capability flags."""
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _set_allowed(state: BotState, allowed: Any) -> None:
    if allowed is None:
        return
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed updates")
    state.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES


@method("getUpdates")
async def get_updates(state: BotState, args: Args) -> Any:
    """getUpdates with real long polling; ``offset`` confirms earlier updates.

    A newer getUpdates call terminates a pending one with 409, like Telegram.
    """
    if state.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK)
    offset = args.integer("offset", 0) or 0
    limit = min(100, max(1, args.integer("limit", 100) or 100))
    timeout = max(0.0, args.number("timeout", 0.0))
    _set_allowed(state, args.raw("allowed_updates"))
    if offset > 0:
        state.confirm_below(offset)
    elif offset < 0:
        state.updates = state.updates[offset:]
    state.poll_generation += 1
    generation = state.poll_generation
    state.notifier.notify(UPDATES)  # a pending getUpdates must now end with 409

    def batch() -> str | list[dict[str, Any]] | None:
        if generation != state.poll_generation:
            return "conflict"
        if state.webhook is not None:
            return "webhook"
        if state.closing:
            return "closing"
        state.updates = [u for u in state.updates if state.allowed(u, state.allowed_updates)]
        return state.updates[:limit] or None

    try:
        result = await state.notifier.wait_until(batch, timeout)
    except TimeoutError:
        return []
    if result == "conflict":
        raise ApiError(409, CONFLICT_POLLER)
    if result == "webhook":
        raise ApiError(409, CONFLICT_WEBHOOK)
    if not isinstance(result, list):
        return []
    for update in result:
        state.delivery_counts[update["update_id"]] += 1
    return result


@method("setWebhook")
async def set_webhook(state: BotState, args: Args) -> Any:
    """setWebhook: only loopback URLs are accepted (the emulator never leaves 127.0.0.1)."""
    url = args.string("url", "") or ""
    if not url:
        return await delete_webhook(state, args)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        raise bad_request("bad webhook: the emulator only delivers to http://127.0.0.1")
    secret = args.string("secret_token")
    if secret is not None and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = args.raw("allowed_updates")
    _set_allowed(state, allowed)
    if args.flag("drop_pending_updates"):
        state.updates.clear()
    state.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=args.integer("max_connections", 40) or 40,
        allowed_updates=allowed if isinstance(allowed, list) else None,
    )
    state.notifier.notify()
    return True


@method("deleteWebhook")
async def delete_webhook(state: BotState, args: Args) -> Any:
    """deleteWebhook: back to getUpdates; ``drop_pending_updates`` clears the queue."""
    state.webhook = None
    if args.flag("drop_pending_updates"):
        state.updates.clear()
    state.notifier.notify()
    return True


@method("getWebhookInfo")
async def get_webhook_info(state: BotState, args: Args) -> Any:
    """getWebhookInfo, including the last delivery error."""
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    hook = state.webhook
    if hook is not None:
        info["url"] = hook.url
        info["max_connections"] = hook.max_connections
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@method("getFile")
async def get_file(state: BotState, args: Args) -> Any:
    """getFile: works for files uploaded by the bot and documents sent by users."""
    stored = state.files.get(args.req_string("file_id"))
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.to_json()


def scope_key(scope: Any) -> str:
    """Canonical key of a ``BotCommandScope`` (``None`` means the default scope).

    A bare type name such as ``"all_private_chats"`` is accepted for convenience.
    """
    if scope is None:
        return "default"
    if isinstance(scope, str):
        scope = {"type": scope}
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = str(scope["type"])
    if kind in _SIMPLE_SCOPES:
        return kind
    try:
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{int(scope['chat_id'])}"
        if kind == "chat_member":
            return f"{kind}:{int(scope['chat_id'])}:{int(scope['user_id'])}"
    except (KeyError, TypeError, ValueError):
        raise bad_request("can't parse BotCommandScope JSON object") from None
    raise bad_request("wrong BotCommandScope type specified")


def _commands_key(args: Args) -> tuple[str, str]:
    language = args.string("language_code", "") or ""
    if not _LANG_RE.match(language):
        raise bad_request("invalid language_code specified")
    return scope_key(args.raw("scope")), language


@method("setMyCommands")
async def set_my_commands(state: BotState, args: Args) -> Any:
    """setMyCommands, stored per (scope, language_code)."""
    commands = args.raw("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    cleaned: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": command, "description": description})
    key = _commands_key(args)
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    state.notifier.notify()
    return True


@method("getMyCommands")
async def get_my_commands(state: BotState, args: Args) -> Any:
    """getMyCommands for exactly the given scope and language (no fallback)."""
    return [dict(c) for c in state.commands.get(_commands_key(args), [])]


@method("deleteMyCommands")
async def delete_my_commands(state: BotState, args: Args) -> Any:
    """deleteMyCommands for the given scope and language."""
    state.commands.pop(_commands_key(args), None)
    state.notifier.notify()
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(state: BotState, args: Args) -> Any:
    """setChatMenuButton (per chat, or the default when chat_id is omitted)."""
    button = args.raw("menu_button", {"type": "default"})
    if not isinstance(button, dict) or button.get("type") not in (
        "default",
        "commands",
        "web_app",
    ):
        raise bad_request("can't parse menu button JSON object")
    state.menu_buttons[args.integer("chat_id")] = button
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(state: BotState, args: Args) -> Any:
    """getChatMenuButton: the chat's button, else the default one."""
    chat_id = args.integer("chat_id")
    return state.menu_buttons.get(chat_id, state.menu_buttons.get(None, {"type": "default"}))
