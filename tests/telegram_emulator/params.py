"""Reading Bot API arguments from any request encoding, and typed access to them."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .errors import bad_request
from .models import UploadedFile

#: Arguments whose value is a JSON-serialized object or array.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "options",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "menu_button",
        "media",
        "question_entities",
        "explanation_entities",
        "correct_option_ids",
        "message_ids",
    }
)

ATTACH = "attach://"


async def read_request_args(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, form-urlencoded or multipart) into one dict.

    JSON-encoded arguments are decoded and ``attach://name`` references replaced with the
    uploaded :class:`UploadedFile`. Multipart file parts whose name is an argument name
    (``photo``, ``document``...) become that argument.
    """
    args: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            args.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = UploadedFile(
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, bytes | bytearray):
                    args[name] = bytes(value).decode("utf-8", "replace")
                else:
                    args[name] = value
    for name in JSON_FIELDS & args.keys():
        value = args[name]
        if isinstance(value, str):
            try:
                args[name] = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
    for name, upload in files.items():
        args.setdefault(name, upload)
    return {name: _resolve_attach(value, files) for name, value in args.items()}


def _resolve_attach(value: Any, files: dict[str, UploadedFile]) -> Any:
    if isinstance(value, str) and value.startswith(ATTACH):
        name = value[len(ATTACH) :]
        if name not in files:
            raise bad_request(f"file for {value} not found in the request")
        return files[name]
    if isinstance(value, list):
        return [_resolve_attach(v, files) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_attach(v, files) for k, v in value.items()}
    return value


class Args:
    """Typed, validating accessors over the merged request arguments."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def raw(self, name: str, default: Any = None) -> Any:
        """The value as received (after JSON decoding), or ``default``."""
        value = self.data.get(name)
        return default if value is None or value == "" else value

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string argument."""
        value = self.raw(name)
        return default if value is None else str(value)

    def req_string(self, name: str) -> str:
        """A required string argument (400 ``<name> is empty`` when missing)."""
        value = self.string(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer argument (400 on garbage)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def req_integer(self, name: str) -> int:
        """A required integer argument."""
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def number(self, name: str, default: float = 0.0) -> float:
        """A float argument (timeouts)."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument (``true``/``false``/``1``/``0``)."""
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")
