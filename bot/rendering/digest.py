"""The board digest as a screen, from the JSON value computed by ``bot.jobs.digest``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from bot.i18n import Translator
from bot.platforms.ports import Screen


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _rate(t: Translator, voted: int, eligible: int) -> str:
    return t.percent(Fraction(voted, eligible)) if eligible else "—"


def digest_screen(
    t: Translator, organisation: str, data: Mapping[str, Any], prefix: str
) -> Screen:
    """Open polls, closed polls and their outcome, new free-text answers, the coming week."""
    now = _when(data.get("generated_at"))
    names = data.get("colleges") or {}

    def college(key: str) -> str:
        pair = names.get(key)
        if not key:
            return t("without a collège")
        return str(pair[1] if t.language == "en" else pair[0]) if pair else key

    lines: list[str] = []
    opened = data.get("open") or []
    lines.append(t("Open polls") + f" ({len(opened)})")
    if not opened:
        lines.append("  " + t("no poll is open"))
    for poll in opened:
        lines.append(f"• {poll['id']}. {poll['title']}")
        participation = t(
            "participation: {voted} of {eligible} ({rate})",
            voted=poll["voted"],
            eligible=poll["eligible"],
            rate=_rate(t, poll["voted"], poll["eligible"]),
        )
        closes = _when(poll.get("closes_at"))
        if closes is not None and now is not None:
            participation += " — " + t(
                "time left: {duration}", duration=t.duration(max(closes - now, timedelta(0)))
            )
        lines.append("  " + participation)
        for key, voted, eligible in poll.get("colleges") or []:
            lines.append(
                "    "
                + t(
                    "{college}: {voted}/{eligible} ({rate})",
                    college=college(key),
                    voted=voted,
                    eligible=eligible,
                    rate=_rate(t, voted, eligible),
                )
            )
    closed = data.get("closed") or []
    lines += ["", t("Closed since the last digest") + f" ({len(closed)})"]
    if not closed:
        lines.append("  " + t("no poll has closed"))
    for poll in closed:
        lines.append(f"• {poll['id']}. {poll['title']}")
        line = t(
            "participation: {voted} of {eligible} ({rate})",
            voted=poll["voted"],
            eligible=poll["eligible"],
            rate=_rate(t, poll["voted"], poll["eligible"]),
        )
        if poll.get("quorum_met") is True:
            line += " — " + t("quorum reached")
        elif poll.get("quorum_met") is False:
            line += " — " + t("quorum NOT reached")
        lines.append("  " + line)
        for question in poll.get("questions") or []:
            lines.append("  " + _outcome(t, question))
        lines.append("  " + t("Details: {command}", command=f"{prefix}results {poll['id']}"))
    lines += [
        "",
        t.plural(
            "{n} new free-text answer since the last digest.",
            "{n} new free-text answers since the last digest.",
            int(data.get("free_text") or 0),
        ),
    ]
    coming = data.get("coming") or []
    lines += ["", t("In the coming week") + f" ({len(coming)})"]
    if not coming:
        lines.append("  " + t("nothing planned"))
    for item in coming:
        at = _when(item.get("at"))
        date = t.datetime(at, "short") if at else "?"
        if item.get("event") == "opens":
            lines.append(
                "• "
                + t(
                    "{date}: poll {n} opens — {title}",
                    date=date,
                    n=item["id"],
                    title=item["title"],
                )
            )
        else:
            lines.append(
                "• "
                + t(
                    "{date}: poll {n} closes — {title}",
                    date=date,
                    n=item["id"],
                    title=item["title"],
                )
            )
    return Screen(
        title=t("Weekly digest — {organisation}", organisation=organisation),
        text="\n".join(lines),
    )


def _outcome(t: Translator, question: Mapping[str, Any]) -> str:
    prompt = question.get("prompt", "")
    if not question.get("ballots"):
        return t("{question}: no ballot", question=prompt)
    winner = question.get("winner")
    if winner is None:
        text = t("{question}: no winner (tie or result withheld)", question=prompt)
    else:
        text = t("{question}: {answer} comes first", question=prompt, answer=winner)
    majority = question.get("majority_met")
    if majority is True:
        text += " — " + t("majority reached")
    elif majority is False:
        text += " — " + t("majority not reached")
    return text
