"""The one-message poll form for power users: `key: value` segments, one question per `q:`.

    /poll new Budget 2027
    kind: deliberation
    secrecy: secret
    closes: 7d
    q: Approuvez-vous le budget ? | single | Oui | Non
    q: Notez les projets | judgment | Piscine | Parc
    q: Vos remarques | text optional

Segments are separated by new lines, or by `;` on one line. Option labels and question parts
are separated by `|`. French words work too (`type: délibération`, `clôture: 7j`, `q: … | unique`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from bot.core.errors import DomainError
from bot.members.model import Role, parse_weight
from bot.polls.answers import fold
from bot.polls.model import Audience, PollKind, PollSpec, ResultsVisibility, Secrecy
from bot.polls.questions import Question, QuestionMethod, RankingRule, new_question

TimeReader = Callable[[str], datetime]

KEYS = {
    "title": "title",
    "titre": "title",
    "summary": "summary",
    "resume": "summary",
    "description": "summary",
    "kind": "kind",
    "type": "kind",
    "secrecy": "secrecy",
    "secret": "secrecy",
    "vote": "secrecy",
    "results": "results",
    "resultats": "results",
    "audience": "audience",
    "public": "audience",
    "pour": "audience",
    "opens": "opens",
    "ouverture": "opens",
    "debut": "opens",
    "closes": "closes",
    "cloture": "closes",
    "fin": "closes",
    "quorum": "quorum",
    "majority": "majority",
    "majorite": "majority",
    "q": "question",
    "question": "question",
}
KINDS = {
    "consultation": PollKind.CONSULTATION,
    "deliberation": PollKind.DELIBERATION,
    "vote": PollKind.DELIBERATION,
}
SECRECY = {
    "secret": Secrecy.SECRET,
    "yes": Secrecy.SECRET,
    "oui": Secrecy.SECRET,
    "nominative": Secrecy.NOMINATIVE,
    "nominatif": Secrecy.NOMINATIVE,
    "open": Secrecy.NOMINATIVE,
    "public": Secrecy.NOMINATIVE,
    "no": Secrecy.NOMINATIVE,
    "non": Secrecy.NOMINATIVE,
}
VISIBILITY = {
    "live": ResultsVisibility.LIVE,
    "direct": ResultsVisibility.LIVE,
    "after_voting": ResultsVisibility.AFTER_VOTING,
    "apres vote": ResultsVisibility.AFTER_VOTING,
    "after_close": ResultsVisibility.AFTER_CLOSE,
    "apres cloture": ResultsVisibility.AFTER_CLOSE,
}
ROLES = {
    "participant": Role.PARTICIPANT,
    "participants": Role.PARTICIPANT,
    "associate": Role.ASSOCIATE,
    "associates": Role.ASSOCIATE,
    "associe": Role.ASSOCIATE,
    "associes": Role.ASSOCIATE,
    "board": Role.BOARD,
    "ca": Role.BOARD,
    "admin": Role.ADMIN,
    "admins": Role.ADMIN,
}
METHODS = {
    "single": QuestionMethod.SINGLE,
    "unique": QuestionMethod.SINGLE,
    "choix": QuestionMethod.SINGLE,
    "multiple": QuestionMethod.MULTIPLE,
    "multi": QuestionMethod.MULTIPLE,
    "ranking": QuestionMethod.RANKING,
    "classement": QuestionMethod.RANKING,
    "rank": QuestionMethod.RANKING,
    "judgment": QuestionMethod.JUDGMENT,
    "jugement": QuestionMethod.JUDGMENT,
    "mj": QuestionMethod.JUDGMENT,
    "scale": QuestionMethod.SCALE,
    "echelle": QuestionMethod.SCALE,
    "note": QuestionMethod.SCALE,
    "text": QuestionMethod.FREE_TEXT,
    "texte": QuestionMethod.FREE_TEXT,
    "free_text": QuestionMethod.FREE_TEXT,
    "libre": QuestionMethod.FREE_TEXT,
}
_SEGMENT = re.compile(r"^\s*([^:=]{1,20}?)\s*[:=]\s*(.*)$", re.DOTALL)
_RANGE = re.compile(r"^(-?\d{1,4})\s*-\s*(-?\d{1,4})$")


def split_segments(text: str) -> list[str]:
    """Segments of a form: lines, or `;`-separated parts of a single line."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) <= 1:
        lines = [part for part in text.split(";") if part.strip()]
    return [line.strip() for line in lines]


def parse_form(text: str, read_time: TimeReader, base: PollSpec | None = None) -> PollSpec:
    """Read a form into a spec (fields not given keep `base`'s values)."""
    spec = base or PollSpec(title="")
    questions: list[Question] = [] if base is None else list(base.questions)
    replace_questions = False
    for index, segment in enumerate(split_segments(text)):
        match = _SEGMENT.match(segment)
        key = KEYS.get(fold(match[1])) if match else None
        if match is None or key is None:
            if index == 0:
                spec = replace(spec, title=segment)
                continue
            raise DomainError("form.unknown_field", {"text": segment[:60]})
        value = match[2].strip()
        if key == "question":
            if not replace_questions:
                questions, replace_questions = [], True
            questions.append(parse_question(value, len(questions) + 1))
        else:
            spec = _apply(spec, key, value, read_time)
    return replace(spec, questions=tuple(questions))


def _apply(spec: PollSpec, key: str, value: str, read_time: TimeReader) -> PollSpec:
    word = fold(value)
    if key == "title":
        return replace(spec, title=value)
    if key == "summary":
        return replace(spec, summary=value)
    if key == "kind":
        return replace(spec, kind=PollKind(_lookup(KINDS, word, value)))
    if key == "secrecy":
        return replace(spec, secrecy=Secrecy(_lookup(SECRECY, word, value)))
    if key == "results":
        visibility = _lookup(VISIBILITY, word.replace("-", " "), value)
        return replace(spec, visibility=ResultsVisibility(visibility))
    if key == "audience":
        return replace(spec, audience=parse_audience(value))
    if key == "opens":
        return replace(
            spec, opens_at=None if word in {"-", "now", "maintenant"} else read_time(value)
        )
    if key == "closes":
        return replace(
            spec, closes_at=None if word in {"-", "none", "aucune"} else read_time(value)
        )
    share = parse_weight(value)
    if key == "quorum":
        return replace(spec, quorum=share)
    return replace(spec, majority=max(share, Fraction(1, 2)))


def _lookup(table: Mapping[str, StrEnum], word: str, original: str) -> str:
    if word not in table:
        raise DomainError("form.bad_value", {"text": original[:60]})
    return table[word].value


def parse_audience(value: str) -> Audience:
    """`associates, usagers` → roles and collèges (collège keys are checked by the spec)."""
    roles: set[Role] = set()
    colleges: set[str] = set()
    for word in (fold(w) for w in re.split(r"[\s,]+", value) if w.strip()):
        if word in {"all", "tous", "tout", "everyone"}:
            continue
        if word in ROLES:
            roles.add(ROLES[word])
        else:
            colleges.add(word)
    return Audience(frozenset(roles), frozenset(colleges))


def parse_question(value: str, position: int) -> Question:
    """`Prompt | method [settings] | option | option …`."""
    parts = [part.strip() for part in value.split("|")]
    if len(parts) < 2 or not parts[0]:
        raise DomainError("form.bad_question", {"question": position})
    prompt, words = parts[0], fold(parts[1]).split()
    rest = [p for p in parts[2:] if p]
    if not words or words[0] not in METHODS:
        raise DomainError("form.bad_method", {"question": position, "text": parts[1][:40]})
    method = METHODS[words[0]]
    settings: dict[str, object] = {}
    for word in words[1:]:
        _setting(settings, word, method, position)
    options: list[str] = rest
    if method is QuestionMethod.SCALE:
        options = []
        if rest:
            settings["scale_min_label"] = rest[0]
        if len(rest) > 1:
            settings["scale_max_label"] = rest[1]
    elif method is QuestionMethod.FREE_TEXT:
        options = []
    return new_question(prompt, method, options, position=position, **settings)


def _setting(settings: dict[str, object], word: str, method: QuestionMethod, pos: int) -> None:
    if word in {"optional", "facultatif", "facultative"}:
        settings["optional"] = True
    elif word in {"noblank", "sansblanc", "sans-blanc"}:
        settings["allow_blank"] = False
    elif word == "irv":
        settings["ranking_rule"] = RankingRule.IRV
    elif word == "schulze":
        settings["ranking_rule"] = RankingRule.SCHULZE
    elif (match := _RANGE.match(word)) and method is QuestionMethod.SCALE:
        settings["scale_min"], settings["scale_max"] = int(match[1]), int(match[2])
    elif "=" in word:
        name, _, number = word.partition("=")
        target = {
            "max": "max_selections",
            "min": "min_selections",
            "length": "max_length",
            "longueur": "max_length",
        }.get(name)
        if target is None or not number.isdigit():
            raise DomainError("form.bad_setting", {"question": pos, "text": word[:40]})
        settings[target] = int(number)
    else:
        raise DomainError("form.bad_setting", {"question": pos, "text": word[:40]})


def read_time_in(now: datetime, timezone: str) -> TimeReader:
    """A reader of `7d`, `12h`, `2026-12-01`, `2026-12-01 18:00` in the organisation's zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)

    def read(text: str) -> datetime:
        text = text.strip()
        match = re.match(r"^(\d{1,4})\s*([dhjmw])$", text, re.IGNORECASE)
        if match:
            amount, unit = int(match[1]), match[2].lower()
            hours = {"d": 24, "j": 24, "h": 1, "w": 168}.get(unit)
            delta = (
                timedelta(minutes=amount)
                if unit == "m"
                else timedelta(hours=amount * (hours or 0))
            )
            return now + delta
        for pattern in (
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%d/%m/%Y %H:%M",
            "%Y-%m-%d",
            "%d/%m/%Y",
        ):
            try:
                parsed = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if "%H" not in pattern:
                parsed = parsed.replace(hour=23, minute=59)
            return parsed.replace(tzinfo=zone)
        raise DomainError("form.bad_time", {"text": text[:40]})

    return read
