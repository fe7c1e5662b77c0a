"""Typed answers: what people write in chat, read precisely or refused with a precise key."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from bot.polls.answers import fold, parse_answer, typed_form
from bot.polls.questions import QuestionMethod, new_question
from tests.unit.polls.strategies import answers, questions

M = QuestionMethod
SINGLE = new_question("?", M.SINGLE, ["Pour", "Contre", "Très bien"])
MULTI = new_question("?", M.MULTIPLE, ["a", "b", "c", "d"], max_selections=3)
NONE_OK = new_question("?", M.MULTIPLE, ["a", "b"], min_selections=0)
RANK = new_question("?", M.RANKING, ["a", "b", "c"])
JUDGE = new_question("?", M.JUDGMENT, ["Jardin", "Vélos", "Café"])
SCALE = new_question("?", M.SCALE, scale_min=-2, scale_max=2)
TEXT = new_question("?", M.FREE_TEXT, max_length=20)


@pytest.mark.parametrize(
    ("question", "typed", "expected"),
    [
        (SINGLE, "2", "B"),
        (SINGLE, " 1 ", "A"),
        (SINGLE, "contre", "B"),
        (SINGLE, "TRES BIEN", "C"),
        (SINGLE, "blanc", None),
        (SINGLE, "Vote  blanc", None),
        (SINGLE, "Abstention", None),
        (MULTI, "1,3", ("A", "C")),
        (MULTI, "3 1", ("A", "C")),
        (MULTI, "4; 2 ,1", ("A", "B", "D")),
        (NONE_OK, "aucun", ()),
        (RANK, "3>1>2", ("C", "A", "B")),
        (RANK, "3 > 1", ("C", "A")),
        (RANK, "2,3,1", ("B", "C", "A")),
        (RANK, "2 1", ("B", "A")),
        (JUDGE, "1:2 2:1 3:5", {"A": "Très bien", "B": "Excellent", "C": "Passable"}),
        (JUDGE, "1: Très bien, 3=à rejeter", {"A": "Très bien", "B": "À rejeter",
                                             "C": "À rejeter"}),
        (JUDGE, "1:Assez bien 2:Bien", {"A": "Assez bien", "B": "Bien", "C": "À rejeter"}),
        (JUDGE, "2\n1\nBien", {"A": "Très bien", "B": "Excellent", "C": "Bien"}),
        (JUDGE, "2 1 5", {"A": "Très bien", "B": "Excellent", "C": "Passable"}),
        (JUDGE, "Bien, Passable", {"A": "Bien", "B": "Passable", "C": "À rejeter"}),
        (SCALE, "-2", -2),
        (SCALE, "+1", 1),
        (TEXT, "  Plus de bancs ", "Plus de bancs"),
        (TEXT, "blanc", "blanc"),
    ],
)  # fmt: skip
def test_typed_answers_are_read(question, typed: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_answer(question, typed) == expected


@pytest.mark.parametrize(
    ("question", "typed", "key", "params"),
    [
        (SINGLE, "", "answer.empty", {}),
        (SINGLE, "4", "answer.no_such_option", {"number": 4, "count": 3}),
        (SINGLE, "0", "answer.no_such_option", {"number": 0, "count": 3}),
        (SINGLE, "peut-être", "answer.not_an_option", {"text": "peut-être", "count": 3}),
        (replace(SINGLE, allow_blank=False), "blanc", "answer.blank_not_allowed", {}),
        (MULTI, "1,x", "answer.not_a_number", {"text": "x"}),
        (MULTI, "1,1", "answer.duplicate_option", {"number": 1}),
        (MULTI, "1,2,3,4", "answer.too_many_choices", {"max": 3}),
        (MULTI, "aucun", "answer.too_few_choices", {"min": 1}),
        (MULTI, "1,9", "answer.no_such_option", {"number": 9, "count": 4}),
        (RANK, "3>3", "answer.duplicate_option", {"number": 3}),
        (RANK, "1>b", "answer.not_a_number", {"text": "b"}),
        (RANK, " , ", "answer.empty", {}),
        (JUDGE, "1:9", "answer.unknown_grade", {"text": "9"}),
        (JUDGE, "1:2 1:3", "answer.grade_twice", {"number": 1}),
        (JUDGE, "4:2", "answer.no_such_option", {"number": 4, "count": 3}),
        (JUDGE, "1:2 et 2:3", "answer.unknown_grade", {"text": "2 et"}),
        (JUDGE, "bof 1:2", "answer.judgment_format", {}),
        (JUDGE, "1\n2\n3\n4", "answer.too_many_grades", {"count": 4, "options": 3}),
        (JUDGE, "Super", "answer.unknown_grade", {"text": "Super"}),
        (SCALE, "3", "answer.scale_out_of_range", {"text": "3", "min": -2, "max": 2}),
        (SCALE, "1.5", "answer.not_on_scale", {"text": "1.5", "min": -2, "max": 2}),
        (TEXT, "x" * 21, "answer.text_too_long", {"length": 21, "max": 20}),
    ],
)  # fmt: skip
def test_mistakes_get_precise_keys(question, typed: str, key: str, params: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    with pytest.raises(DomainError) as caught:
        parse_answer(question, typed)
    assert caught.value.key == key
    for name, value in params.items():
        assert caught.value.params[name] == value


def test_grade_errors_list_the_grades() -> None:
    with pytest.raises(DomainError) as caught:
        parse_answer(JUDGE, "1:9")
    assert caught.value.params["grades"].startswith("1 Excellent, 2 Très bien")


def test_fold_ignores_case_accents_and_spaces() -> None:
    assert fold("  Très   BIEN ") == "tres bien" == fold("tres bien")


@given(st.data())
def test_typing_an_answer_reads_it_back(data: st.DataObject) -> None:
    question = data.draw(questions())
    answer = question.check_answer(data.draw(answers(question)))
    if question.method is M.FREE_TEXT and answer is None:
        return
    assert parse_answer(question, typed_form(question, answer)) == answer
