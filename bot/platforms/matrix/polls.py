"""Native Matrix polls (MSC3381): contents to send, responses to read. Pure functions.

We send the unstable `org.matrix.msc3381.poll.*` form, the one Element renders today, and accept
responses in both the unstable and the stable (`m.poll.response`, `m.selections`) forms. The
poll engine will decide which responses count (latest per sender, eligible members only);
secret polls never use room events for ballots.
"""

from __future__ import annotations

from typing import Any

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
    question: str, answers: list[str], max_selections: int = 1, disclosed: bool = True
) -> dict[str, Any]:
    """An unstable-form poll start, with a numbered text fallback for other clients."""
    fallback = "\n".join([question, *(f"{i + 1}. {a}" for i, a in enumerate(answers))])
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
