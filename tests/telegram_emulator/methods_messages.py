"""Bot API methods that send, edit or delete messages, and answerCallbackQuery."""

from __future__ import annotations

import copy
import time
from typing import Any

from .content import (
    document_json,
    extension,
    formatted_text,
    guess_mime,
    input_file,
    reply_markup,
)
from .errors import bad_request
from .models import CallbackAnswer, EditRecord, StoredFile, StoredMessage, image_size
from .params import Args
from .registry import method
from .state import BotState

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _reply_to(state: BotState, args: Args, chat_id: int) -> dict[str, Any]:
    params = args.raw("reply_parameters")
    target = params.get("message_id") if isinstance(params, dict) else None
    target = target or args.integer("reply_to_message_id")
    if not target:
        return {}
    replied = state.get_message(chat_id, int(target))
    if replied is None:
        allow = isinstance(params, dict) and params.get("allow_sending_without_reply")
        if allow or args.flag("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    inner = copy.deepcopy(replied.json)
    inner.pop("reply_to_message", None)
    return {"reply_to_message": inner}


def _send(
    state: BotState,
    args: Args,
    method_name: str,
    content: dict[str, Any],
    file: StoredFile | None = None,
) -> dict[str, Any]:
    chat_id = state.resolve_chat(args.raw("chat_id"))
    inline, keyboard = reply_markup(args)
    content = {**content, **_reply_to(state, args, chat_id)}
    if inline is not None:
        content["reply_markup"] = inline
    stored = state.new_message(
        chat_id, state.bot_user(), content, from_bot=True, method=method_name
    )
    stored.file = file
    stored.reply_keyboard = keyboard
    state.record_send(chat_id)
    return stored.json


@method("sendMessage", "send")
async def send_message(state: BotState, args: Args) -> Any:
    """sendMessage: HTML validated, 4096-character limit, inline keyboards checked."""
    content = formatted_text(args, "text", "entities", required=True)
    return _send(state, args, "sendMessage", content)


@method("sendPhoto", "send")
async def send_photo(state: BotState, args: Args) -> Any:
    """sendPhoto: multipart upload or a known file_id; PNG/JPEG/GIF dimensions read."""
    source = input_file(state, args, "photo")
    size = image_size(source.data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    if isinstance(source, StoredFile):
        stored = source
    else:
        mime = guess_mime(source.filename, source.content_type)
        stored = state.store_file(
            source.data, "photos", extension(source.filename, mime), mime_type=mime
        )
    photo = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "width": size[0],
        "height": size[1],
    }
    content = {
        "photo": [photo],
        **formatted_text(args, "caption", "caption_entities", required=False),
    }
    return _send(state, args, "sendPhoto", content, stored)


@method("sendDocument", "send")
async def send_document(state: BotState, args: Args) -> Any:
    """sendDocument: multipart upload or a known file_id; the bytes are kept."""
    source = input_file(state, args, "document")
    if isinstance(source, StoredFile):
        stored = source
    else:
        mime = guess_mime(source.filename, source.content_type)
        stored = state.store_file(
            source.data,
            "documents",
            extension(source.filename, mime),
            file_name=source.filename,
            mime_type=mime,
        )
    content = {
        "document": document_json(stored),
        **formatted_text(args, "caption", "caption_entities", required=False),
    }
    return _send(state, args, "sendDocument", content, stored)


@method("sendPoll", "send")
async def send_poll(state: BotState, args: Args) -> Any:
    """sendPoll: 1-300 character question, 1-12 options of 1-100 characters."""
    question = args.req_string("question")
    if len(question) > 300:
        raise bad_request("POLL_QUESTION_INVALID")
    options = args.raw("options")
    if not isinstance(options, list) or not 1 <= len(options) <= 12:
        raise bad_request("POLL_ANSWERS_INVALID")
    texts = [o.get("text") if isinstance(o, dict) else o for o in options]
    if not all(isinstance(t, str) and 1 <= len(t) <= 100 for t in texts):
        raise bad_request("POLL_ANSWER_INVALID")
    poll_type = args.string("type", "regular")
    if poll_type not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    poll_id = f"{state.bot_id}{int(time.time() * 1000)}{len(state.polls)}"
    poll: dict[str, Any] = {
        "id": poll_id,
        "question": question,
        "options": [
            {"text": t, "voter_count": 0, "persistent_id": f"{poll_id}-{i}"}
            for i, t in enumerate(texts)
        ],
        "total_voter_count": 0,
        "is_closed": args.flag("is_closed"),
        "is_anonymous": args.flag("is_anonymous", True),
        "type": poll_type,
        "allows_multiple_answers": args.flag("allows_multiple_answers"),
        "allows_revoting": args.flag("allows_revoting", poll_type == "regular"),
        "members_only": args.flag("members_only"),
    }
    if poll_type == "quiz":
        correct = args.raw("correct_option_ids")
        if correct is None and args.integer("correct_option_id") is not None:
            correct = [args.integer("correct_option_id")]
        if (
            not isinstance(correct, list)
            or not correct
            or not all(isinstance(c, int) and 0 <= c < len(texts) for c in correct)
        ):
            raise bad_request("wrong correct option id specified")
        poll["correct_option_ids"] = correct
    if args.integer("open_period"):
        poll["open_period"] = args.integer("open_period")
    result = _send(state, args, "sendPoll", {"poll": poll})
    state.polls[poll_id] = state.messages[result["chat"]["id"]][result["message_id"]]
    return result


@method("stopPoll", "edit")
async def stop_poll(state: BotState, args: Args) -> Any:
    """stopPoll: closes a poll sent by the bot and returns the final Poll."""
    stored = _editable(state, args)
    poll = stored.json.get("poll")
    if poll is None:
        raise bad_request("message with poll to stop not found")
    if poll["is_closed"]:
        raise bad_request("poll has already been closed")
    poll["is_closed"] = True
    state.notifier.notify()
    return poll


def _editable(state: BotState, args: Args) -> StoredMessage:
    if "inline_message_id" in args and "chat_id" not in args:
        raise bad_request("inline messages are not supported by the emulator")
    chat_id = state.resolve_chat(args.raw("chat_id"))
    stored = state.get_message(chat_id, args.req_integer("message_id"))
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


def _apply_edit(
    state: BotState,
    stored: StoredMessage,
    content: dict[str, Any],
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    body = stored.json
    keys = set(content)
    keys |= {"entities"} if "text" in keys else set()
    keys |= {"caption_entities"} if "caption" in keys else set()
    before = ({k: body.get(k) for k in keys}, body.get("reply_markup"))
    after = ({k: content.get(k) for k in keys}, markup)
    if before == after:
        raise bad_request(NOT_MODIFIED)
    stored.edits.append(
        EditRecord(stored.text, body.get("reply_markup"), body.get("edit_date", body["date"]))
    )
    for key in keys:
        body.pop(key, None)
    body.update({k: v for k, v in content.items() if v is not None})
    body.pop("reply_markup", None)
    if markup is not None:
        body["reply_markup"] = markup
    body["edit_date"] = int(time.time())
    state.notifier.notify(stored.chat_id)
    return body


@method("editMessageText", "edit")
async def edit_message_text(state: BotState, args: Args) -> Any:
    """editMessageText: 400 "message is not modified" when text and markup are unchanged."""
    stored = _editable(state, args)
    if "text" not in stored.json:
        raise bad_request("there is no text in the message to edit")
    content = formatted_text(args, "text", "entities", required=True)
    return _apply_edit(state, stored, content, reply_markup(args)[0])


@method("editMessageCaption", "edit")
async def edit_message_caption(state: BotState, args: Args) -> Any:
    """editMessageCaption for photo and document messages."""
    stored = _editable(state, args)
    if "text" in stored.json or "poll" in stored.json:
        raise bad_request("there is no caption in the message to edit")
    content = formatted_text(args, "caption", "caption_entities", required=False)
    return _apply_edit(state, stored, content or {"caption": None}, reply_markup(args)[0])


@method("editMessageReplyMarkup", "edit")
async def edit_message_reply_markup(state: BotState, args: Args) -> Any:
    """editMessageReplyMarkup: omitting reply_markup removes the keyboard."""
    stored = _editable(state, args)
    new_markup = reply_markup(args)[0]
    if new_markup == stored.reply_markup:
        raise bad_request(NOT_MODIFIED)
    return _apply_edit(state, stored, {}, new_markup)


@method("deleteMessage")
async def delete_message(state: BotState, args: Args) -> Any:
    """deleteMessage: marks the message deleted (``sent_to`` keeps it with ``deleted``)."""
    chat_id = state.resolve_chat(args.raw("chat_id"))
    stored = state.get_message(chat_id, args.req_integer("message_id"))
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    state.notifier.notify()
    return True


@method("sendChatAction", "action")
async def send_chat_action(state: BotState, args: Args) -> Any:
    """sendChatAction: the action is validated and recorded in ``chat_actions``."""
    chat_id = state.resolve_chat(args.raw("chat_id"))
    action = args.req_string("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    state.chat_actions.append((chat_id, action))
    state.notifier.notify()
    return True


@method("answerCallbackQuery")
async def answer_callback_query(state: BotState, args: Args) -> Any:
    """answerCallbackQuery: each query created by ``press_button`` can be answered once."""
    query_id = args.req_string("callback_query_id")
    record = state.callback_queries.get(query_id)
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = args.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    state.callback_answers.append(
        CallbackAnswer(
            query_id=query_id,
            user_id=record.user_id,
            data=record.data,
            text=text,
            show_alert=args.flag("show_alert"),
            url=args.string("url"),
            cache_time=args.integer("cache_time", 0) or 0,
        )
    )
    state.notifier.notify(record.chat_id)
    return True
