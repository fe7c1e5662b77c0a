"""The independent recount: every method through JSON, the documented example, bad input."""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from bot.polls.recount import RecountError, main, parse_weight, recount

DOC = Path(__file__).resolve().parents[3] / "docs" / "recount.md"
STATUTES = {
    "colleges": [
        {"id": "salaries", "weight": "2/5"},
        {"id": "usagers", "weight": "40%"},
        {"id": "collectivites", "weight": 20},
    ]
}


def doc(question: dict[str, Any], ballots: list[Any], **statutes: Any) -> Any:
    document: dict[str, Any] = {"question": question, "ballots": ballots}
    if statutes:
        document["statutes"] = statutes
    return recount(document)


def test_single_weighted_through_json() -> None:
    ballots = [
        {"college": "salaries", "answer": "A", "count": 2},
        {"college": "salaries", "answer": "B"},
        {"college": "usagers", "answer": "A"},
        {"college": "usagers", "answer": "B", "count": 4},
        {"college": "collectivites", "answer": "A"},
    ]
    out = doc({"method": "single", "options": ["A", "B"]}, ballots, **STATUTES)
    assert out["weighted"]["shares"] == {"A": "41/75", "B": "34/75"}
    assert out["winner"] == "A" and out["headcount"]["winner"] == "B"
    assert list(out) == [
        "method", "blank_counts_as_cast", "valid", "blank", "invalid", "winner", "ranking",
        "headcount", "weighted", "by_college",
    ]  # fmt: skip


def test_multiple_through_json() -> None:
    question = {"method": "multiple", "options": ["A", "B", "C"], "max_selections": 2}
    ballots = [
        {"answer": ["A", "C"], "count": 2},
        {"answer": ["A", "B", "C"]},
        {"answer": []},
        {"answer": None},
    ]
    out = doc(question, ballots, blank_counts_as_cast=True)
    assert (out["valid"], out["blank"], out["invalid"]) == (2, 1, 2)
    assert out["headcount"]["shares"] == {"A": "2/3", "B": "0", "C": "2/3"}
    assert out["headcount"]["blank_share"] == "1/3"
    assert out["winner"] is None and out["ranking"] == [["A", "C"], ["B"]]
    assert out["weighted"] is None and out["by_college"] == {}


def test_ranking_through_json() -> None:
    ballots = [{"answer": ["B", "A"], "count": 3}, {"answer": ["A"], "count": 2}]
    for rule in ("schulze", "irv"):
        question = {"method": "ranking", "options": ["A", "B", "C"], "rule": rule}
        out = doc(question, ballots)
        assert out["rule"] == rule and out["winner"] == "B"
    schulze = doc({"method": "ranking", "options": ["A", "B", "C"], "rule": "schulze"}, ballots)
    assert schulze["headcount"]["pairwise"]["B"] == {"A": 3, "C": 3}
    irv = doc({"method": "ranking", "options": ["A", "B", "C"], "rule": "irv"}, ballots)
    assert irv["headcount"]["rounds"] == [
        {
            "counts": {"A": 2, "B": 3, "C": 0},
            "active": 5,
            "exhausted": 0,
            "eliminated": [],
            "tie_break_round": None,
        }
    ]


def test_judgment_through_json() -> None:
    question = {"method": "judgment", "options": ["A", "B"]}
    ballots = [
        {"college": "salaries", "answer": {"A": "Bien", "B": "Passable"}},
        {"college": "usagers", "answer": {"A": "Très bien"}},
        {"college": "collectivites", "answer": {"B": "Excellent"}},
    ]
    out = doc(question, ballots, **STATUTES)
    assert out["headcount"]["majority_grades"] == {"A": "Bien", "B": "Passable"}
    # weighted: A has Très bien 2/5, Bien 2/5, À rejeter 1/5 -> Bien (2/5 + 2/5 > 1/2);
    # B has Excellent 1/5, Passable 2/5, À rejeter 2/5 -> Passable (1/5 + 2/5 > 1/2).
    assert out["weighted"]["distribution"]["A"]["Très bien"] == "2/5"
    assert out["weighted"]["majority_grades"] == {"A": "Bien", "B": "Passable"}
    assert out["winner"] == "A"
    custom = doc({**question, "grades": ["Oui", "Non"]}, [{"answer": {"A": "Oui"}}])
    assert custom["headcount"]["majority_grades"] == {"A": "Oui", "B": "Non"}


def test_scale_through_json() -> None:
    question = {"method": "scale", "scale": {"min": 1, "max": 5}}
    ballots = [{"answer": 1}, {"answer": 4, "count": 2}, {"answer": 9}]
    out = doc(question, ballots)
    assert out["headcount"]["mean"] == "3" and out["headcount"]["median"] == "4"
    assert out["invalid"] == 1 and out["winner"] is None and out["ranking"] == []


def test_the_documented_example_is_what_the_code_outputs() -> None:
    text = DOC.read_text("utf-8")

    def block(name: str) -> Any:
        match = re.search(rf"<!-- recount-example:{name} -->\n```json\n(.*?)\n```", text, re.S)
        assert match, name
        return json.loads(match[1])

    example = block("input")
    assert recount(example) == block("output")
    flagged = copy.deepcopy(example)
    flagged["ballots"] = [b for b in flagged["ballots"] if b.get("college") != "collectivites"]
    flagged["statutes"]["empty_college"] = "flag"
    out = recount(flagged)
    assert {key: out[key] for key in ("winner", "ranking", "weighted")} == block(
        "flag-output-excerpt"
    )


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "poll.json"
    path.write_text(json.dumps({"question": {"method": "single", "options": ["A", "B"]},
                                "ballots": [{"answer": "A"}]}), "utf-8")  # fmt: skip
    assert main([str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["winner"] == "A"
    path.write_text("{}", "utf-8")
    assert main([str(path)]) == 1
    assert "missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "value"),
    [("2/5", Fraction(2, 5)), (" 1 / 3 ", Fraction(1, 3)), ("40%", Fraction(2, 5)),
     ("40 %", Fraction(2, 5)), ("40", Fraction(2, 5)), (40, Fraction(2, 5)),
     ("33.5%", Fraction(67, 200)), ("0.4", Fraction(1, 250))],
)  # fmt: skip
def test_weights(text: Any, value: Fraction) -> None:
    assert parse_weight(text) == value


SINGLE = {"method": "single", "options": ["A", "B"]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "document: expected an object"),
        ({"ballots": []}, "missing question"),
        ({"question": SINGLE, "ballots": [], "extra": 1}, "unknown key"),
        ({"question": {"method": "vote"}, "ballots": []}, "question.method"),
        ({"question": {"method": ["single"]}, "ballots": []}, "question.method"),
        ({"question": {**SINGLE, "rule": "irv"}, "ballots": []}, "unknown key"),
        ({"question": {"method": "single"}, "ballots": []}, "missing options"),
        ({"question": {**SINGLE, "options": ["A"]}, "ballots": []}, "at least 2"),
        ({"question": {**SINGLE, "options": ["A", "A"]}, "ballots": []}, "distinct"),
        ({"question": {**SINGLE, "options": "AB"}, "ballots": []}, "list of option keys"),
        ({"question": {"method": "multiple", "options": ["A", "B"]}, "ballots": []},
         "missing max_selections"),
        ({"question": {"method": "multiple", "options": ["A", "B"], "max_selections": 3},
          "ballots": []}, "max_selections"),
        ({"question": {"method": "ranking", "options": ["A", "B"], "rule": "borda"},
          "ballots": []}, "question.rule"),
        ({"question": {"method": "judgment", "options": ["A"], "grades": ["Bien"]},
          "ballots": []}, "grades"),
        ({"question": {"method": "scale", "scale": {"min": 5, "max": 1}}, "ballots": []},
         "below maximum"),
        ({"question": {"method": "scale", "scale": {"min": 1}}, "ballots": []}, "missing max"),
        ({"question": SINGLE, "ballots": {}}, "ballots: expected a list"),
        ({"question": SINGLE, "ballots": [{"count": 1}]}, r"ballots\[0\]: missing answer"),
        ({"question": SINGLE, "ballots": [{"answer": "A", "count": 0}]}, r"ballots\[0\].count"),
        ({"question": SINGLE, "ballots": [{"answer": "A", "count": True}]}, "count"),
        ({"question": SINGLE, "ballots": [{"answer": "A", "college": 3}]}, "college"),
        ({"question": SINGLE, "ballots": [{"answer": "A", "vote": 3}]}, "unknown key"),
        ({"question": SINGLE, "statutes": {"colleges": [{"id": "a", "weight": 0.5},
          {"id": "b", "weight": "1/2"}]}, "ballots": []}, r"colleges\[0\].weight"),
        ({"question": SINGLE, "statutes": {"colleges": [{"id": "a", "weight": "1/0"}]},
          "ballots": []}, "divides by zero"),
        ({"question": SINGLE, "statutes": {"colleges": [{"id": "a", "weight": "60%"},
          {"id": "b", "weight": "30%"}]}, "ballots": []}, "sum to 1"),
        ({"question": SINGLE, "statutes": {"colleges": [{"id": "a", "weight": "1/2"},
          {"id": "a", "weight": "1/2"}]}, "ballots": []}, "listed twice"),
        ({"question": SINGLE, "statutes": {"empty_college": "ignore"}, "ballots": []},
         "empty_college"),
        ({"question": SINGLE, "statutes": {"blank_counts_as_cast": "no"}, "ballots": []},
         "blank_counts_as_cast"),
        ({"question": SINGLE, "statutes": STATUTES, "ballots": [{"answer": "A"}]},
         "without a collège"),
        ({"question": SINGLE, "statutes": STATUTES,
          "ballots": [{"answer": "A", "college": "benevoles"}]}, "benevoles"),
    ],
)  # fmt: skip
def test_malformed_documents(document: Any, message: str) -> None:
    with pytest.raises(RecountError, match=message):
        recount(document)
