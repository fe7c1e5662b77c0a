"""Question definitions and the validation of one answer (pure)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from bot.polls.questions import (
    DEFAULT_GRADES,
    MAX_OPTIONS,
    Option,
    Question,
    QuestionMethod,
    new_question,
)
from tests.unit.polls.strategies import answers, questions

M = QuestionMethod


def key_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.key


def test_options_get_keys_in_order_and_multiple_defaults_to_all() -> None:
    question = new_question(" Projets ? ", M.MULTIPLE, ["Jardin", " Vélos "])
    assert question.prompt == "Projets ?"
    assert question.options == (Option("A", "Jardin"), Option("B", "Vélos"))
    assert (question.min_selections, question.max_selections) == (1, 2)
    assert question.number_of("B") == 2
    assert new_question("?", M.JUDGMENT, ["x"]).grades == DEFAULT_GRADES
    assert DEFAULT_GRADES[0] == "Excellent" and DEFAULT_GRADES[-1] == "À rejeter"


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: new_question(" ", M.SINGLE, ["a", "b"]), "question.prompt_empty"),
        (lambda: new_question("x" * 501, M.SINGLE, ["a", "b"]), "question.prompt_too_long"),
        (lambda: new_question("?", M.SINGLE, ["a"]), "question.too_few_options"),
        (lambda: new_question("?", M.JUDGMENT, []), "question.too_few_options"),
        (lambda: new_question("?", M.SINGLE, ["a"] * 21), "question.too_many_options"),
        (lambda: new_question("?", M.SINGLE, ["a", "A "]), "question.duplicate_option"),
        (lambda: new_question("?", M.SINGLE, ["a", " "]), "question.bad_option_label"),
        (lambda: new_question("?", M.SCALE, ["a", "b"]), "question.options_not_allowed"),
        (
            lambda: new_question("?", M.MULTIPLE, ["a", "b"], max_selections=3),
            "question.bad_selections",
        ),
        (
            lambda: new_question("?", M.MULTIPLE, ["a", "b"], min_selections=2, max_selections=1),
            "question.bad_selections",
        ),
        (lambda: new_question("?", M.JUDGMENT, ["a"], grades=("Bon",)), "question.bad_grades"),
        (
            lambda: new_question("?", M.JUDGMENT, ["a"], grades=("Bon", "bon")),
            "question.bad_grades",
        ),
        (lambda: new_question("?", M.SCALE, scale_min=3, scale_max=3), "question.bad_scale"),
        (lambda: new_question("?", M.SCALE, scale_min=0, scale_max=101), "question.bad_scale"),
        (lambda: new_question("?", M.FREE_TEXT, max_length=0), "question.bad_max_length"),
        (lambda: new_question("?", M.SINGLE, ["a", "b"], colour="red"), "question.bad_setting"),
    ],
)
def test_bad_definitions_name_the_problem(build, key: str) -> None:  # type: ignore[no-untyped-def]
    assert key_of(build) == key


def test_hand_built_option_keys_must_follow_the_order() -> None:
    question = Question(1, "?", M.SINGLE, (Option("B", "x"), Option("A", "y")))
    assert key_of(question.validate) == "question.bad_option_keys"
    assert len(new_question("?", M.SINGLE, [str(i) for i in range(MAX_OPTIONS)]).options) == 20


SINGLE = new_question("?", M.SINGLE, ["a", "b", "c"])
MULTI = new_question("?", M.MULTIPLE, ["a", "b", "c", "d"], min_selections=2, max_selections=3)
RANK = new_question("?", M.RANKING, ["a", "b", "c"])
JUDGE = new_question("?", M.JUDGMENT, ["a", "b"])
SCALE = new_question("?", M.SCALE, scale_min=1, scale_max=5)
TEXT = new_question("?", M.FREE_TEXT, max_length=5)


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (SINGLE, "B", "B"),
        (MULTI, ["C", "A"], ("A", "C")),
        (RANK, ("C", "A"), ("C", "A")),
        (JUDGE, {"B": "Bien"}, {"A": "À rejeter", "B": "Bien"}),
        (JUDGE, {}, {"A": "À rejeter", "B": "À rejeter"}),
        (SCALE, 5, 5),
        (TEXT, "  abc ", "abc"),
        (SINGLE, None, None),
    ],
)
def test_valid_answers_in_canonical_form(question: Question, answer, expected) -> None:  # type: ignore[no-untyped-def]
    assert question.check_answer(answer) == expected


@pytest.mark.parametrize(
    ("question", "answer", "key"),
    [
        (SINGLE, "D", "answer.no_such_option"),
        (SINGLE, 1, "answer.no_such_option"),
        (MULTI, ["A"], "answer.too_few_choices"),
        (MULTI, ["A", "B", "C", "D"], "answer.too_many_choices"),
        (MULTI, ["A", "A"], "answer.duplicate_option"),
        (MULTI, "AB", "answer.no_such_option"),
        (RANK, [], "answer.empty"),
        (RANK, ["A", "E"], "answer.no_such_option"),
        (JUDGE, {"A": "Super"}, "answer.unknown_grade"),
        (JUDGE, {"Z": "Bien"}, "answer.no_such_option"),
        (JUDGE, ["Bien"], "answer.unknown_grade"),
        (SCALE, 6, "answer.scale_out_of_range"),
        (SCALE, True, "answer.not_on_scale"),
        (SCALE, "3", "answer.not_on_scale"),
        (TEXT, "  ", "answer.empty"),
        (TEXT, "abcdef", "answer.text_too_long"),
        (replace(SINGLE, allow_blank=False), None, "answer.blank_not_allowed"),
    ],
)
def test_invalid_answers_have_precise_keys(question: Question, answer, key: str) -> None:  # type: ignore[no-untyped-def]
    assert key_of(lambda: question.check_answer(answer)) == key


@given(st.data())
def test_checking_a_valid_answer_is_idempotent(data: st.DataObject) -> None:
    question = data.draw(questions())
    answer = question.check_answer(data.draw(answers(question)))
    assert question.check_answer(answer) == answer
