"""Validation shared by the message methods: formatted text, keyboards, input files."""

from __future__ import annotations

import mimetypes
import re
from typing import Any

from .errors import bad_request
from .htmltext import parse_html
from .models import StoredFile, UploadedFile
from .params import Args
from .state import BotState

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
_URL_RE = re.compile(r"^(https?|tg)://[^\s]+$", re.IGNORECASE)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)


def formatted_text(
    args: Args, field: str, entities_field: str, *, required: bool
) -> dict[str, Any]:
    """Apply ``parse_mode`` to ``args[field]`` and check the length limits.

    Returns ``{field: text, entities_field: [...]}`` (entities only when non-empty), or ``{}``
    when an optional caption is absent. Only HTML is parsed; Markdown text is kept as is.
    """
    raw = args.string(field)
    if raw is None:
        if required:
            raise bad_request("message text is empty")
        return {}
    parse_mode = (args.string("parse_mode") or "").lower()
    entities: list[dict[str, Any]]
    if parse_mode == "html":
        text, entities = parse_html(raw)
    elif parse_mode in ("", "markdown", "markdownv2"):
        text, entities = raw, list(args.raw(entities_field) or [])
    else:
        raise bad_request("unsupported parse_mode")
    if required and not text.strip():
        raise bad_request("message text is empty")
    limit = MAX_TEXT if required else MAX_CAPTION
    if len(text) > limit:
        raise bad_request("message is too long" if required else "message caption is too long")
    content: dict[str, Any] = {field: text}
    if entities:
        content[entities_field] = entities
    return content


def reply_markup(args: Args) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Validate ``reply_markup``; return ``(inline_keyboard_markup, other_keyboard)``."""
    markup = args.raw("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None, markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": rows}, None


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if not any(key in button for key in _BUTTON_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def input_file(state: BotState, args: Args, name: str) -> StoredFile | UploadedFile:
    """Return the upload for ``name``, or the stored file a ``file_id`` string refers to.

    URLs are refused: the emulator never fetches anything from the network.
    """
    value = args.raw(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request("file must be non-empty")
        return value
    if isinstance(value, str) and value in state.files:
        return state.files[value]
    raise bad_request("wrong file identifier/HTTP URL specified")


def guess_mime(filename: str, declared: str | None) -> str:
    """A MIME type for a document: the declared one unless generic, else from the name."""
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def extension(filename: str | None, mime: str | None) -> str:
    """File extension for the download path."""
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[1][:8]
    return (mimetypes.guess_extension(mime or "") or "") if mime else ""


def document_json(stored: StoredFile) -> dict[str, Any]:
    """Bot API ``Document`` object for a stored file."""
    doc: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    return doc
