"""Independent recount: a documented JSON document in, the results JSON out (docs/recount.md).

The recount runs the very accumulators the bot uses (``bot.polls.tally``), fed from a plain
ballot list instead of the database, so anyone holding the published ballots and statutes can
check a result. Run it as ``python -m bot.polls.recount poll.json`` (``-`` reads stdin).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from bot.polls.tally import (
    DEFAULT_GRADES,
    CountingRules,
    EmptyCollege,
    InstantRunoffTally,
    MajorityJudgmentTally,
    MultipleChoiceTally,
    ScaleTally,
    SchulzeTally,
    SingleChoiceTally,
    TallyError,
)
from bot.polls.tally.accumulator import Accumulator

Tally = Accumulator[Any, Any]

_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%?")
_METHOD_KEYS = {
    "single": {"options"},
    "multiple": {"options", "max_selections", "min_selections"},
    "ranking": {"options", "rule"},
    "judgment": {"options", "grades"},
    "scale": {"scale"},
}


class RecountError(ValueError):
    """The recount document is malformed; the message says where and why."""


def recount(doc: dict[str, Any]) -> dict[str, Any]:
    """Count the ballots of a recount document and return the results document."""
    _check_keys(doc, "document", required={"question", "ballots"}, optional={"statutes"})
    tally = _question(doc["question"])
    rules = _statutes(doc.get("statutes"))
    ballots = doc["ballots"]
    if not isinstance(ballots, list):
        raise RecountError("ballots: expected a list of ballot rows")
    for index, row in enumerate(ballots):
        where = f"ballots[{index}]"
        row = _check_keys(
            row, where, required={"answer"}, optional={"college", "count", "receipt"}
        )
        college = row.get("college")
        if college is not None and (not isinstance(college, str) or not college):
            raise RecountError(f"{where}.college: expected a non-empty string or null")
        count = row.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise RecountError(f"{where}.count: expected a positive integer, got {count!r}")
        tally.add(college, row["answer"], count)
    try:
        result = tally.finish(rules)
    except TallyError as error:
        raise RecountError(f"ballots: {error}") from error
    return result.to_json()


def parse_weight(value: object) -> Fraction:
    """A collège weight: ``"2/5"`` is a fraction; ``"40%"``, ``"40 %"``, ``"40"``, ``40`` and
    ``"33.5%"`` are percentages (a number without a slash is always a percentage)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value, 100)
    if isinstance(value, str):
        text = value.strip()
        fraction = _FRACTION.fullmatch(text)
        if fraction:
            if int(fraction[2]) == 0:
                raise RecountError(f"weight {value!r} divides by zero")
            return Fraction(int(fraction[1]), int(fraction[2]))
        percent = _PERCENT.fullmatch(text)
        if percent:
            return Fraction(percent[1]) / 100
    raise RecountError(
        f'weight {value!r}: expected a fraction string like "2/5" or a percentage like '
        '"40%" (JSON numbers with a decimal point are not exact and are refused)'
    )


def _question(question: object) -> Tally:
    if not isinstance(question, dict):
        raise RecountError("question: expected an object")
    method = question.get("method")
    if not isinstance(method, str) or method not in _METHOD_KEYS:
        raise RecountError(f"question.method: expected one of {sorted(_METHOD_KEYS)}")
    allowed = _METHOD_KEYS[method]
    required = {"method"} | (allowed - {"min_selections", "grades"})
    _check_keys(question, "question", required=required, optional=allowed)
    try:
        if method == "scale":
            scale = question["scale"]
            scale = _check_keys(scale, "question.scale", required={"min", "max"}, optional=set())
            return ScaleTally(scale["min"], scale["max"])
        options = question["options"]
        if not isinstance(options, list):
            raise RecountError("question.options: expected a list of option keys")
        if method == "single":
            return SingleChoiceTally(options)
        if method == "multiple":
            return MultipleChoiceTally(
                options,
                max_selections=question["max_selections"],
                min_selections=question.get("min_selections", 1),
            )
        if method == "judgment":
            grades = question.get("grades", list(DEFAULT_GRADES))
            if not isinstance(grades, list):
                raise RecountError("question.grades: expected a list of grade names, best first")
            return MajorityJudgmentTally(options, grades)
        rule = question["rule"]
        if rule == "schulze":
            return SchulzeTally(options)
        if rule == "irv":
            return InstantRunoffTally(options)
        raise RecountError(f'question.rule: expected "schulze" or "irv", got {rule!r}')
    except TallyError as error:
        raise RecountError(f"question: {error}") from error


def _statutes(statutes: object) -> CountingRules:
    if statutes is None:
        return CountingRules()
    optional = {"colleges", "empty_college", "blank_counts_as_cast"}
    statutes = _check_keys(statutes, "statutes", required=set(), optional=optional)
    colleges = statutes.get("colleges", [])
    if not isinstance(colleges, list):
        raise RecountError('statutes.colleges: expected a list of {"id", "weight"} objects')
    weights: dict[str, Fraction] = {}
    for index, college in enumerate(colleges):
        where = f"statutes.colleges[{index}]"
        college = _check_keys(college, where, required={"id", "weight"}, optional=set())
        key = college["id"]
        if not isinstance(key, str) or not key:
            raise RecountError(f"{where}.id: expected a non-empty string")
        if key in weights:
            raise RecountError(f"{where}.id: collège {key!r} is listed twice")
        try:
            weights[key] = parse_weight(college["weight"])
        except RecountError as error:
            raise RecountError(f"{where}.weight: {error}") from error
    rule = statutes.get("empty_college", "redistribute")
    if rule not in ("redistribute", "flag"):
        raise RecountError('statutes.empty_college: expected "redistribute" or "flag"')
    blank_cast = statutes.get("blank_counts_as_cast", False)
    if not isinstance(blank_cast, bool):
        raise RecountError("statutes.blank_counts_as_cast: expected true or false")
    try:
        return CountingRules(weights, EmptyCollege(rule), blank_cast)
    except TallyError as error:
        raise RecountError(f"statutes: {error}") from error


def _check_keys(
    obj: object, where: str, *, required: set[str], optional: set[str]
) -> Mapping[str, Any]:
    """``obj`` as an object with all ``required`` keys and no key outside ``optional``."""
    if not isinstance(obj, Mapping):
        raise RecountError(f"{where}: expected an object")
    missing = sorted(required - set(obj))
    if missing:
        raise RecountError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(obj) - required - optional)
    if unknown:
        raise RecountError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    return obj


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: recount the JSON file named in argv (``-`` for stdin), print the result."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m bot.polls.recount POLL.json  (- reads stdin)", file=sys.stderr)
        return 2
    try:
        if args[0] == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args[0], encoding="utf-8") as handle:
                doc = json.load(handle)
        result = recount(doc)
    except (OSError, json.JSONDecodeError, RecountError) as error:
        print(f"recount: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
