"""Secret-ballot primitives, stored answer encodings and poll spec JSON (pure)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.polls.codec import (
    decode_answer,
    encode_answer,
    question_from_json,
    question_to_json,
    spec_from_json,
    spec_to_json,
)
from bot.polls.model import Audience, PollKind, PollSpec, ResultsVisibility, Secrecy
from bot.polls.questions import QuestionMethod, RankingRule, new_question
from bot.polls.secrecy import (
    RECEIPT_ALPHABET,
    new_ballot_id,
    new_poll_secret,
    new_receipt,
    nominative_key,
    normalise_receipt,
    pseudonym,
)
from tests.unit.polls.strategies import answers, questions


def test_pseudonyms_are_keyed_per_poll_and_member() -> None:
    secret = new_poll_secret()
    assert len(secret) == 32 and secret != new_poll_secret()
    mine = pseudonym(secret, 1, 42)
    assert mine == pseudonym(secret, 1, 42) and re.fullmatch(r"[0-9a-f]{64}", mine)
    others = {
        pseudonym(secret, 1, 43),
        pseudonym(secret, 2, 42),
        pseudonym(new_poll_secret(), 1, 42),
    }
    assert mine not in others and len(others) == 3
    with pytest.raises(ValueError):
        pseudonym(b"short", 1, 42)
    assert nominative_key(42) == "member:42"


def test_receipts_and_ballot_ids_are_random() -> None:
    receipts = {new_receipt() for _ in range(500)}
    assert len(receipts) == 500
    group = f"[{RECEIPT_ALPHABET}]{{4}}"
    for receipt in receipts:
        assert re.fullmatch(rf"{group}-{group}-{group}", receipt)
    assert normalise_receipt(" k7qm 4xpd-a9rt ") == "K7QM-4XPD-A9RT"
    assert normalise_receipt("abc") == "ABC"
    assert uuid.UUID(new_ballot_id()).version == 4


@given(st.data())
def test_stored_answers_decode_to_the_answer(data: st.DataObject) -> None:
    question = data.draw(questions().filter(lambda q: q.method is not QuestionMethod.FREE_TEXT))
    answer = question.check_answer(data.draw(answers(question)))
    stored = encode_answer(question, answer)
    assert (stored is None) is (answer is None)
    assert stored is None or len(stored) <= 64
    assert decode_answer(question, stored) == answer


def test_encodings_are_compact_and_groupable() -> None:
    judge = new_question("?", QuestionMethod.JUDGMENT, ["a", "b", "c"])
    assert encode_answer(judge, {"A": "Excellent", "C": "Bien"}) == "062"
    assert encode_answer(judge, judge.check_answer({"A": "Excellent", "C": "Bien"})) == "062"
    multi = new_question("?", QuestionMethod.MULTIPLE, ["a", "b", "c"], min_selections=0)
    assert encode_answer(multi, multi.check_answer(["C", "A"])) == "A,C"
    assert decode_answer(multi, "") == ()
    rank = new_question("?", QuestionMethod.RANKING, ["a", "b", "c"])
    assert encode_answer(rank, ("C", "A")) == "C>A"


@given(questions())
def test_questions_survive_json(question) -> None:  # type: ignore[no-untyped-def]
    again = question_from_json(json.loads(json.dumps(question_to_json(question))), 1)
    assert again == question


def test_specs_survive_json() -> None:
    spec = PollSpec(
        title="Budget",
        summary="Résumé",
        kind=PollKind.DELIBERATION,
        audience=Audience(frozenset({Role.ASSOCIATE}), frozenset({"salaries", "usagers"})),
        secrecy=Secrecy.NOMINATIVE,
        visibility=ResultsVisibility.LIVE,
        opens_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
        closes_at=datetime(2026, 3, 8, 17, tzinfo=UTC),
        quorum=Fraction(1, 4),
        majority=Fraction(2, 3),
        extraordinary=True,
        questions=(
            new_question("?", QuestionMethod.RANKING, ["a", "b"], ranking_rule=RankingRule.IRV),
            new_question("!", QuestionMethod.SCALE, position=2, scale_min_label="non"),
        ),
    )
    assert spec_from_json(json.loads(json.dumps(spec_to_json(spec)))) == spec
    assert spec_from_json({"title": "x"}) == PollSpec(title="x")


@pytest.mark.parametrize(
    "doc",
    [
        {"title": "x", "kind": "referendum"},
        {"title": "x", "quorum": "1/0"},
        {"title": "x", "opens_at": "2026-03-01T08:00:00"},
        {"title": "x", "questions": [{"prompt": "?", "method": "vote"}]},
        {"title": "x", "audience": {"roles": ["king"]}},
    ],
)
def test_damaged_specs_are_refused(doc: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(DomainError) as caught:
        spec_from_json(doc)
    assert caught.value.key in {"poll.bad_spec", "question.bad_setting"}
