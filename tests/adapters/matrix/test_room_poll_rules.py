"""Room polls, the pure part: which polls may be posted, the start content, what a response
means, and the latest response per sender."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.platforms.matrix import polls
from bot.platforms.matrix.room_polls import is_poll_command, is_post_command
from bot.platforms.ports import Command, TextInput
from bot.polls.model import (
    Poll,
    PollKind,
    PollSpec,
    PollStatus,
    ResultsVisibility,
    Secrecy,
)
from bot.polls.questions import new_question


def poll(*questions, **spec) -> Poll:  # type: ignore[no-untyped-def]
    settings = {"secrecy": Secrecy.NOMINATIVE, "visibility": ResultsVisibility.LIVE, **spec}
    chosen = questions or (new_question("Which day?", "single", ["Mon", "Tue", "Wed"]),)
    return Poll(7, 1, PollStatus.OPEN, PollSpec(title="Lunch", questions=chosen, **settings))


MULTIPLE = new_question("Which days?", "multiple", ["Mon", "Tue", "Wed"], max_selections=2)


def test_only_open_nominative_consultations_of_one_choice_question_are_posted() -> None:
    assert polls.postable_problem(poll()) is None
    assert polls.postable_problem(poll(MULTIPLE)) is None
    assert polls.postable_problem(poll(secrecy=Secrecy.SECRET)) == polls.NOT_DISCLOSED
    deliberation = poll(kind=PollKind.DELIBERATION)
    assert polls.postable_problem(deliberation) == polls.NOT_DISCLOSED
    ranking = new_question("Order", "ranking", ["A", "B"])
    assert polls.postable_problem(poll(ranking)) == polls.NOT_ONE_CHOICE_QUESTION
    two = (MULTIPLE, replace(MULTIPLE, position=2))
    assert polls.postable_problem(poll(*two)) == polls.NOT_ONE_CHOICE_QUESTION
    at_least_two = replace(MULTIPLE, min_selections=2)
    assert polls.postable_problem(poll(at_least_two)) == polls.NOT_ONE_CHOICE_QUESTION
    draft = replace(poll(), status=PollStatus.DRAFT)
    assert polls.postable_problem(draft) == polls.NOT_OPEN
    assert not polls.accepts_room_ballots(poll(secrecy=Secrecy.SECRET))
    assert polls.accepts_room_ballots(poll())


def test_the_start_event_element_renders() -> None:
    content = polls.poll_start(poll(MULTIPLE), MULTIPLE, note="Or type !vote 7")
    start = content[polls.START]
    assert start["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert start["max_selections"] == 2
    assert start["question"]["body"] == "Lunch — Which days?"
    assert start["answers"] == [
        {"id": "a1", polls.TEXT: "Mon"},
        {"id": "a2", polls.TEXT: "Tue"},
        {"id": "a3", polls.TEXT: "Wed"},
    ]
    assert content["body"] == "Lunch — Which days?\n1. Mon\n2. Tue\n3. Wed\n\nOr type !vote 7"
    hidden = poll(visibility=ResultsVisibility.AFTER_CLOSE)
    kind = polls.poll_start(hidden, hidden.questions[0])[polls.START]["kind"]
    assert kind == "org.matrix.msc3381.poll.undisclosed"  # no running count before the close


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["a2"], "B"),
        (["a3", "a1"], "C"),  # single choice: the first answer only (MSC3381)
        (["a9"], None),  # no such answer: spoiled
        (["b1"], None),
        ([], None),  # an empty response withdraws nothing: ignored
    ],
)
def test_single_choice_responses(answers: list[str], expected: str | None) -> None:
    assert polls.selection(poll().questions[0], answers) == expected


def test_multiple_choice_responses() -> None:
    assert polls.selection(MULTIPLE, ["a3", "a1"]) == ("A", "C")  # in option order
    assert polls.selection(MULTIPLE, ["a1", "a2", "a3"]) == ("A", "B")  # first max_selections
    assert polls.selection(MULTIPLE, ["a2", "a2"]) == ("B",)
    assert polls.selection(MULTIPLE, ["a1", "a4"]) is None


def test_only_the_latest_response_per_sender_and_poll_is_kept() -> None:
    items = [(("bob", "$p"), 1), (("carol", "$p"), 2), (("bob", "$p"), 3), (("bob", "$q"), 4)]
    assert polls.latest_by(items) == [(("carol", "$p"), 2), (("bob", "$p"), 3), (("bob", "$q"), 4)]


def test_the_post_command() -> None:
    assert is_post_command(Command("poll", ("post", "3"), "post 3"))
    assert is_post_command(Command("sondage", ("publier", "3"), "publier 3"))
    assert not is_post_command(Command("poll", ("close", "3"), "close 3"))
    assert not is_post_command(TextInput("poll post 3"))
    assert is_poll_command(Command("poll", ("close", "3"), "close 3"))
    assert not is_poll_command(Command("vote", ("3",), "3"))
