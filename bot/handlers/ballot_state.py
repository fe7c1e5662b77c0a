"""The answering conversation's durable state (kept in the database between messages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.polls.questions import Answer, Question, QuestionMethod

KIND = "ballot"
REVIEW = 0


@dataclass(slots=True)
class BallotState:
    """Which poll, which step (a question position, or 0 for the review), answers so far.

    ``draft`` holds a multi-step answer being built: toggled choices (multiple), picks so
    far (ranking), grades so far (judgment).
    """

    poll_id: int
    step: int
    answers: dict[int, Answer] = field(default_factory=dict)
    draft: Any = None
    history: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON for the conversations table."""
        return {
            "poll": self.poll_id,
            "step": self.step,
            "answers": {str(k): _answer_json(v) for k, v in self.answers.items()},
            "draft": self.draft,
            "history": list(self.history),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], questions: tuple[Question, ...]) -> BallotState:
        """Read the stored state back (answers re-typed per question)."""
        by_position = {q.position: q for q in questions}
        answers: dict[int, Answer] = {}
        for key, value in dict(doc.get("answers", {})).items():
            question = by_position.get(int(key))
            if question is not None:
                answers[question.position] = _answer_from_json(question, value)
        return cls(
            poll_id=int(doc["poll"]),
            step=int(doc.get("step", 1)),
            answers=answers,
            draft=doc.get("draft"),
            history=[int(x) for x in doc.get("history", [])],
        )


def _answer_json(answer: Answer) -> Any:
    if isinstance(answer, tuple):
        return list(answer)
    if isinstance(answer, Mapping):
        return dict(answer)
    return answer


def _answer_from_json(question: Question, value: Any) -> Answer:
    if value is None:
        return None
    if question.method in (QuestionMethod.MULTIPLE, QuestionMethod.RANKING):
        return tuple(value)
    if question.method is QuestionMethod.JUDGMENT:
        return dict(value)
    if question.method is QuestionMethod.SCALE:
        return int(value)
    return str(value)
