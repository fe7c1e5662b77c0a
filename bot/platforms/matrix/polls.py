"""Native Matrix polls (MSC3381): contents to send, responses to read. Pure functions.

We send the unstable `org.matrix.msc3381.poll.*` form, the one Element renders today, and accept
responses in both the unstable and the stable (`m.poll.response`, `m.selections`) forms.
`room_polls.py` decides which responses count (the latest valid one per sender, eligible
members only) and records them as ballots; secret polls never use room events for ballots.

Only advisory, nominative consultations of one single- or multiple-choice question become room
polls (`postable_problem`): a Parvis ballot is a whole ballot, submitted at once, while a room
poll answers one question.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, TypeVar

from bot.core.errors import DomainError
from bot.i18n import N_
from bot.polls.model import Poll, PollKind, PollStatus, ResultsVisibility, Secrecy
from bot.polls.questions import Answer, Question, QuestionMethod

START = "org.matrix.msc3381.poll.start"
RESPONSE = "org.matrix.msc3381.poll.response"
END = "org.matrix.msc3381.poll.end"
STABLE_RESPONSE = "m.poll.response"
RESPONSE_TYPES = frozenset({RESPONSE, STABLE_RESPONSE})
TEXT = "org.matrix.msc1767.text"


def answer_id(index: int) -> str:
    """The id of answer `index` (0-based) in the polls we post: a1, a2, ..."""
    return f"a{index + 1}"


def answer_index(answer: str) -> int | None:
    """Back from `a3` to index 2; None for ids we did not make."""
    if answer.startswith("a") and answer[1:].isdigit():
        index = int(answer[1:]) - 1
        return index if index >= 0 else None
    return None


def start_content(
    question: str,
    answers: list[str],
    max_selections: int = 1,
    disclosed: bool = True,
    note: str = "",
) -> dict[str, Any]:
    """An unstable-form poll start, with a numbered text fallback (and `note`) for clients
    that cannot show polls."""
    lines = [question, *(f"{i + 1}. {a}" for i, a in enumerate(answers))]
    fallback = "\n".join([*lines, "", note] if note else lines)
    kind = "disclosed" if disclosed else "undisclosed"
    return {
        TEXT: fallback,
        "body": fallback,
        START: {
            "kind": f"org.matrix.msc3381.poll.{kind}",
            "max_selections": max_selections,
            "question": {TEXT: question, "body": question},
            "answers": [{"id": answer_id(i), TEXT: text} for i, text in enumerate(answers)],
        },
    }


def end_content(poll_event_id: str, results_text: str) -> dict[str, Any]:
    """A poll end event carrying the results as text."""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_event_id},
        TEXT: results_text,
        "body": results_text,
        END: {},
    }


def parse_response(event_type: str, content: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """`(poll event id, answer ids)` from a response in either form, or None if malformed."""
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict) or relates.get("rel_type") != "m.reference":
        return None
    poll_id = relates.get("event_id")
    if not isinstance(poll_id, str):
        return None
    if event_type == RESPONSE:
        inner = content.get(RESPONSE)
        answers = inner.get("answers") if isinstance(inner, dict) else None
    elif event_type == STABLE_RESPONSE:
        answers = content.get("m.selections", content.get("m.response"))
        if isinstance(answers, dict):
            answers = answers.get("answers")
    else:
        return None
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return None
    return poll_id, tuple(answers[:20])


# --- which polls may be posted, what a response means ---------------------------------------

#: Why a poll cannot be posted as a room poll (English msgids, translated by the caller).
NOT_OPEN = N_("Poll {n} is not open: open it first, then post it.")
NOT_DISCLOSED = N_(
    "Poll {n} cannot be answered in a room: only open-ballot (nominative) consultations can. "
    "Secret polls and deliberations are answered in private with {vote}."
)
NOT_ONE_CHOICE_QUESTION = N_(
    "Poll {n} cannot be answered in a room: a room poll asks one single-choice or "
    "multiple-choice question. Members answer this one in private with {vote}."
)


def postable_problem(poll: Poll) -> str | None:
    """None when the poll may become a room poll, else the (English) reason it may not."""
    spec = poll.spec
    if spec.kind is not PollKind.CONSULTATION or spec.secrecy is not Secrecy.NOMINATIVE:
        return NOT_DISCLOSED
    if len(poll.questions) != 1:
        return NOT_ONE_CHOICE_QUESTION
    question = poll.questions[0]
    if question.method not in (QuestionMethod.SINGLE, QuestionMethod.MULTIPLE):
        return NOT_ONE_CHOICE_QUESTION
    if question.method is QuestionMethod.MULTIPLE and question.min_selections > 1:
        return NOT_ONE_CHOICE_QUESTION  # a room poll cannot ask for "at least 2"
    if poll.status is not PollStatus.OPEN:
        return NOT_OPEN
    return None


def accepts_room_ballots(poll: Poll) -> bool:
    """Whether room responses may become ballots of this poll (checked at every response)."""
    spec = poll.spec
    return spec.kind is PollKind.CONSULTATION and spec.secrecy is Secrecy.NOMINATIVE


def poll_start(poll: Poll, question: Question, note: str = "") -> dict[str, Any]:
    """The start event of a room poll for one question of a poll."""
    prompt = question.prompt
    if prompt != poll.title:
        prompt = f"{poll.title} — {prompt}"
    single = question.method is QuestionMethod.SINGLE
    return start_content(
        prompt,
        [option.label for option in question.options],
        max_selections=1 if single else max(1, question.max_selections),
        # Element shows the running count of a disclosed poll; hide it when results are only
        # for after the close.
        disclosed=poll.spec.visibility is not ResultsVisibility.AFTER_CLOSE,
        note=note,
    )


def selection(question: Question, answer_ids: Sequence[str]) -> Answer | None:
    """The ballot answer a response stands for, or None when it is not a valid choice.

    As MSC3381 says, only the first `max_selections` answers are considered; a response naming
    an answer the poll does not have, or no answer at all, is spoiled (ignored).
    """
    keys: list[str] = []
    for answer in answer_ids:
        index = answer_index(answer)
        if index is None or index >= len(question.options):
            return None
        key = question.options[index].key
        if key not in keys:
            keys.append(key)
    if not keys:
        return None
    try:
        if question.method is QuestionMethod.SINGLE:
            return question.check_answer(keys[0])
        if question.method is QuestionMethod.MULTIPLE:
            return question.check_answer(tuple(keys[: question.max_selections]))
    except DomainError:
        return None
    return None


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def latest_by(items: Iterable[tuple[K, V]]) -> list[tuple[K, V]]:
    """The last item of each key, in the order of those last items."""
    last: dict[K, V] = {}
    for key, value in items:
        last.pop(key, None)
        last[key] = value
    return list(last.items())
