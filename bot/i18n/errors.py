"""Messages of domain errors, by key (English msgids, translated through the catalogs)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bot.core.errors import DomainError
from bot.i18n import N_
from bot.i18n.translator import Translator

ERROR_MESSAGES: dict[str, str] = {
    "error.not_allowed": N_("Sorry, you are not allowed to do that."),
    "error.not_member": N_(
        "You are not a member yet. Ask your cooperative for an invitation code, "
        "then type {start} followed by the code."
    ),
    "error.admin_only": N_("Sorry, only an administrator can do that. Nothing was changed."),
    "error.internal": N_(
        "Something went wrong on our side. Nothing was changed. Please try again in a moment."
    ),
    "error.too_long": N_("Your message is too long ({length} characters, {max} at most)."),
    "error.unknown_command": N_("I don't know the command {command}. Type {help} to see yours."),
    "error.not_understood": N_("I did not understand. Type {help} to see what you can do."),
    "error.bad_arguments": N_("That is not quite right. Usage: {usage}"),
    "error.stale_button": N_("This button is no longer valid. Please start again."),
    "error.no_such_choice": N_("There is no choice number {number} here."),
    "error.files_not_expected": N_("I was not expecting a file here."),
    "college.unknown": N_("There is no collège “{college}”."),
    "college.exists": N_("The collège “{college}” already exists."),
    "college.bad_key": N_(
        "“{college}” cannot be a collège key: use up to 32 lowercase letters, digits, - or _."
    ),
    "statutes.too_few_colleges": N_(
        "A SCIC with collèges needs at least 3 collèges (there are {count})."
    ),
    "statutes.weight_above_max": N_(
        "Refused: a collège may hold at most 50 % of the votes; “{college}” would have {weight}."
    ),
    "statutes.weight_below_min": N_(
        "Refused: a collège must hold at least 10 % of the votes; “{college}” would have {weight}."
    ),
    "statutes.weights_not_100": N_(
        "Refused: the weights of the collèges must add up to exactly 100 % (they add up to "
        "{total})."
    ),
    "statutes.bad_weight": N_("“{text}” is not a weight. Write 40, 40 % or 2/5."),
    "statutes.weights_count": N_(
        "You gave {given} weights but there are {expected} collèges "
        "(in the order of {p}college list)."
    ),
    "statutes.weights_missing": N_("Weights are missing for: {colleges}."),
    "statutes.no_colleges": N_("There are no collèges yet. Add them with {p}college add."),
    "invitation.unknown": N_("This invitation code does not exist. Check it and try again."),
    "invitation.expired": N_("This invitation has expired. Ask for a new one."),
    "invitation.used_up": N_("This invitation has already been used. Ask for a new one."),
    "invitation.revoked": N_("This invitation was cancelled. Ask for a new one."),
    "invitation.bad_uses": N_("The number of uses must be between 1 and {max}."),
    "invitation.bad_expiry": N_(
        "The expiry must be a duration such as 7d (days), 12h (hours) or a date 2026-12-31."
    ),
    "invitation.associate_needs_college": N_("An associate must belong to a collège."),
    "invitation.bad_role": N_(
        "“{role}” is not a role. Roles: participant, associate, board, admin."
    ),
    "join.already_member": N_("You are already a member. Type {help} to see what you can do."),
    "member.unknown": N_("Nobody is called “{name}” here."),
    "member.ambiguous": N_("Several members are called “{name}”. Please be more precise."),
    "role.last_admin": N_("The last administrator cannot lose that role."),
    "role.associate_needs_college": N_(
        "{name} must belong to a collège before becoming an associate."
    ),
    "roster.empty": N_("The roster is empty."),
    "roster.too_big": N_("The roster is too big ({count} lines, {max} at most)."),
    "roster.unreadable": N_(
        "I could not read this file as a CSV roster (UTF-8 text with a header line: "
        "name, college, role, contact)."
    ),
    "roster.missing_column": N_("The roster needs a “{column}” column."),
    "roster.file_not_found": N_("I cannot find the file {path}."),
    "language.unknown": N_("Available languages: {languages}."),
    "form.unknown_field": N_(
        "I do not understand “{text}”. Fields: title, summary, type, secret, results, "
        "audience, opens, closes, quorum, majority, q."
    ),
    "form.bad_value": N_("“{text}” is not one of the possible values here."),
    "form.bad_question": N_(
        "Question {question} must look like: Question text | method | choice | choice"
    ),
    "form.bad_method": N_(
        "Question {question}: “{text}” is not a method. Methods: single, multiple, ranking, "
        "judgment, scale, text."
    ),
    "form.bad_setting": N_("Question {question}: I do not understand “{text}”."),
    "form.bad_time": N_(
        "“{text}” is not a time. Write 7d (in 7 days), 12h, 2026-12-01 or 2026-12-01 18:00."
    ),
    "form.no_questions": N_("Add at least one question first."),
    "form.closes_in_past": N_("This closing time has already passed."),
    "announce.group_only": N_(
        "Type {command} in the group where new polls should be announced, not here."
    ),
    "notifications.unknown_platform": N_("You have no account there. Choose one of: {platforms}."),
    "ballot.review_hint": N_(
        "Type “send” to send your ballot, or the number of a question to change it."
    ),
}


def _all_messages() -> dict[str, str]:
    from bot.polls.errors import POLL_ERROR_MESSAGES

    return {**ERROR_MESSAGES, **POLL_ERROR_MESSAGES}


def describe_error(t: Translator, error: DomainError, prefix: str = "/") -> str:
    """Translate a domain error into a sentence for its reader."""
    messages = _all_messages()
    template = messages.get(error.key)
    if template is None:
        template = messages["error.not_allowed"]
    params = {k: _format(t, v, k) for k, v in error.params.items()}
    params.setdefault("p", prefix)
    params.setdefault("help", f"{prefix}help")
    params.setdefault("start", f"{prefix}start")
    try:
        return t(template, **params)
    except (KeyError, IndexError):
        return t(template)


STATUS_WORDS: dict[str, str] = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "open": N_("open"),
    "closed": N_("closed"),
    "archived": N_("archived"),
    "cancelled": N_("cancelled"),
}


def _format(t: Translator, value: Any, key: str = "") -> str:
    if key in {"status", "target"} and isinstance(value, str) and value in STATUS_WORDS:
        return t(STATUS_WORDS[value])
    if isinstance(value, Fraction):
        return t.percent(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return t.number(value)
    return str(value)
