"""Telegram updates read as neutral interactions (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.platforms.ports import (
    Action,
    ActionInvoked,
    Command,
    FileInput,
    MessageRef,
    TextInput,
)
from bot.platforms.telegram.ids import chat_ref
from bot.platforms.telegram.inbound import (
    Incoming,
    ReachabilityChange,
    UndecodableButton,
    Unsupported,
    read_update,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BOT = {"id": 777, "is_bot": True, "first_name": "Parvis", "username": "parvis_bot"}
ALICE = {
    "id": 42,
    "is_bot": False,
    "first_name": "Alice",
    "last_name": "Martin",
    "language_code": "fr-FR",
}
PRIVATE = {"id": 42, "type": "private", "first_name": "Alice"}
GROUP = {"id": -100, "type": "group", "title": "Coop"}


def message(text: str | None = None, chat: dict[str, Any] = PRIVATE, **extra: Any) -> Update:
    body: dict[str, Any] = {
        "message_id": 5,
        "date": 1_700_000_000,
        "chat": chat,
        "from": ALICE,
        **extra,
    }
    if text is not None:
        body["text"] = text
    return Update.de_json({"update_id": 900, "message": body}, None)


def read(update: Update) -> Any:
    return read_update(update, bot_id=777, bot_username="parvis_bot", received_at=NOW)


def test_deep_link_start_with_code() -> None:
    incoming = read(message("/start ABCD2345"))
    assert isinstance(incoming, Incoming)
    ix = incoming.interaction
    assert ix.intent == Command("start", ("ABCD2345",), "ABCD2345")
    assert ix.event_key == "telegram:777:900"
    assert ix.actor.user_key == "42" and ix.actor.display_name == "Alice Martin"
    assert ix.actor.language == "fr-FR"
    assert ix.chat == chat_ref(42, True) and ix.received_at == NOW


def test_commands_for_this_bot_or_another() -> None:
    assert read(message("/help@parvis_bot")).interaction.intent == Command("help")
    other = read(message("/help@other_bot")).interaction.intent
    assert isinstance(other, TextInput)


def test_private_text_is_text_input() -> None:
    assert read(message("bonjour")).interaction.intent == TextInput("bonjour")


def test_group_chatter_is_ignored_but_commands_are_read() -> None:
    assert read(message("hello all", chat=GROUP)) is None
    incoming = read(message("/help", chat=GROUP))
    assert incoming.interaction.intent == Command("help")
    assert incoming.interaction.chat.is_direct is False
    assert incoming.interaction.chat.chat_key == "-100"


def test_messages_from_bots_are_ignored() -> None:
    update = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": PRIVATE,
                "from": {**BOT, "id": 5},
                "text": "/help",
            },
        },
        None,
    )
    assert read(update) is None


def test_button_press_is_action_with_origin() -> None:
    update = Update.de_json(
        {
            "update_id": 901,
            "callback_query": {
                "id": "q1",
                "from": ALICE,
                "chat_instance": "1",
                "data": "lang:en",
                "message": {"message_id": 9, "date": 1, "chat": PRIVATE, "from": BOT, "text": "x"},
            },
        },
        None,
    )
    incoming = read(update)
    assert isinstance(incoming, Incoming)
    assert incoming.callback_query_id == "q1"
    assert incoming.interaction.intent == ActionInvoked(Action("lang", ("en",)))
    assert incoming.interaction.origin == MessageRef(chat_ref(42, True), "9")


def test_undecodable_button_data() -> None:
    update = Update.de_json(
        {
            "update_id": 902,
            "callback_query": {
                "id": "q2",
                "from": ALICE,
                "chat_instance": "1",
                "data": "bad verb",
                "message": {"message_id": 9, "date": 1, "chat": PRIVATE, "from": BOT, "text": "x"},
            },
        },
        None,
    )
    stale = read(update)
    assert isinstance(stale, UndecodableButton) and stale.callback_query_id == "q2"


def test_document_is_file_input_to_download() -> None:
    update = message(
        document={
            "file_id": "F1",
            "file_unique_id": "u",
            "file_name": "r.csv",
            "mime_type": "text/csv",
            "file_size": 120,
        },
        caption="roster",
    )
    incoming = read(update)
    assert isinstance(incoming, Incoming) and incoming.document is not None
    assert incoming.document.file_id == "F1" and incoming.document.size == 120
    assert incoming.interaction.intent == FileInput("r.csv", b"", "roster")


def test_reply_to_the_bot_sets_origin() -> None:
    replied = {"message_id": 3, "date": 1, "chat": PRIVATE, "from": BOT, "text": "Your answer?"}
    incoming = read(message("my answer", reply_to_message=replied))
    assert incoming.interaction.origin == MessageRef(chat_ref(42, True), "3")


def test_sticker_in_private_chat_is_unsupported() -> None:
    update = message(
        sticker={
            "file_id": "S",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    )
    assert isinstance(read(update), Unsupported)


def test_blocking_and_unblocking() -> None:
    def change(old: str, new: str) -> Update:
        return Update.de_json(
            {
                "update_id": 903,
                "my_chat_member": {
                    "chat": PRIVATE,
                    "from": ALICE,
                    "date": 1,
                    "old_chat_member": {"status": old, "user": BOT, "until_date": 0},
                    "new_chat_member": {"status": new, "user": BOT, "until_date": 0},
                },
            },
            None,
        )

    assert read(change("member", "kicked")) == ReachabilityChange("42", False)
    assert read(change("kicked", "member")) == ReachabilityChange("42", True)


def test_edited_messages_are_ignored() -> None:
    update = Update.de_json(
        {
            "update_id": 904,
            "edited_message": {
                "message_id": 1,
                "date": 1,
                "edit_date": 2,
                "chat": PRIVATE,
                "from": ALICE,
                "text": "/help",
            },
        },
        None,
    )
    assert read(update) is None


def test_deep_link_of_a_group_button_is_the_action_itself() -> None:
    incoming = read(message("/start do-pick_12_1_3"))
    assert incoming.interaction.intent == ActionInvoked(Action("pick", (12, 1, 3)))
    assert incoming.callback_query_id is None and incoming.interaction.origin is None


def test_button_presses_in_groups_are_refused() -> None:
    update = Update.de_json(
        {
            "update_id": 905,
            "callback_query": {
                "id": "q3",
                "from": ALICE,
                "chat_instance": "1",
                "data": "pick:1:1:1",
                "message": {"message_id": 9, "date": 1, "chat": GROUP, "from": BOT, "text": "x"},
            },
        },
        None,
    )
    assert isinstance(read(update), UndecodableButton)
