"""Messages Parvis sends without being asked: announcements, reminders, alerts, reports.

Plain words, French first (English msgids, translated), every button also typed: the command
to type is always in the text. ``prefix`` is the platform's command prefix (``/`` or ``!``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

from bot.i18n import N_, Translator
from bot.platforms.ports import Action, Button, Screen, Tone
from bot.polls.model import Poll, PollKind

KIND_NAMES = {
    "announcement": N_("announcement of a poll"),
    "chat.announcement": N_("announcement in a group"),
    "reminder": N_("reminder"),
    "turnout": N_("participation alert"),
    "results": N_("results report"),
    "digest": N_("board digest"),
}


def _what(t: Translator, poll: Poll) -> str:
    if poll.spec.kind is PollKind.DELIBERATION:
        return t("It is a vote of the associates: its result is binding.")
    return t("It is a consultation: your opinion helps the decision.")


def _until(t: Translator, poll: Poll) -> str:
    closes = poll.spec.closes_at
    if closes is None:
        return t("You can answer until an administrator closes it.")
    return t("You can answer until {date}.", date=t.datetime(closes, "short"))


def _answer_button(t: Translator, poll: Poll) -> tuple[tuple[Button, ...], ...]:
    return ((Button(t("Answer now"), Action("ans", (poll.id,))),),)


def announcement_screen(t: Translator, poll: Poll, prefix: str, *, group: bool = False) -> Screen:
    """A poll just opened: what it is about, until when, how to answer."""
    lines = []
    if poll.spec.summary:
        lines += [poll.spec.summary, ""]
    lines += [_what(t, poll), _until(t, poll)]
    vote = f"{prefix}vote {poll.id}"
    if group:
        lines.append(
            t(
                "The people who can answer have received a private message. You can also "
                "write to me privately: {command}.",
                command=vote,
            )
        )
    else:
        lines.append(t("To answer, press the button or type {command}.", command=vote))
    return Screen(
        title=t("New poll: {title}", title=poll.title),
        text="\n".join(lines),
        buttons=_answer_button(t, poll),
    )


def reminder_screen(t: Translator, poll: Poll, prefix: str, now: datetime) -> Screen:
    """A poll the person has not answered yet: how long is left, how to answer or opt out."""
    lines = [t("You have not answered this poll yet. Your voice counts.")]
    closes = poll.spec.closes_at
    if closes is not None:
        lines.append(
            t(
                "Time left: {duration} (until {date}).",
                duration=t.duration(closes - now),
                date=t.datetime(closes, "short"),
            )
        )
    lines += [
        t("To answer, press the button or type {command}.", command=f"{prefix}vote {poll.id}"),
        t("To stop reminders, type {command}.", command=f"{prefix}notifications off"),
    ]
    return Screen(
        title=t("Reminder: {title}", title=poll.title),
        text="\n".join(lines),
        buttons=_answer_button(t, poll),
    )


def turnout_screen(
    t: Translator,
    poll: Poll,
    quorum: Fraction,
    colleges: Sequence[tuple[str, int, int]],
    prefix: str,
) -> Screen:
    """For admins: collèges whose participation is below the quorum, with the numbers."""
    lines = [
        t(
            "Participation is below the quorum ({quorum}) in these collèges:",
            quorum=t.percent(quorum),
        )
    ]
    for name, voted, eligible in colleges:
        rate = t.percent(Fraction(voted, eligible)) if eligible else "—"
        lines.append(
            "• "
            + t(
                "{college}: {voted} of {eligible} ({rate})",
                college=name,
                voted=voted,
                eligible=eligible,
                rate=rate,
            )
        )
    closes = poll.spec.closes_at
    if closes is not None:
        lines.append(t("The poll closes on {date}.", date=t.datetime(closes, "short")))
    lines.append(
        t(
            "To remind the members who have not answered, press the button or type {command}.",
            command=f"{prefix}remind {poll.id}",
        )
    )
    return Screen(
        title=t("Low participation: {title}", title=poll.title),
        text="\n".join(lines),
        buttons=((Button(t("Send a reminder now"), Action("remind", (poll.id,))),),),
        tone=Tone.WARNING,
    )


def results_intro(t: Translator, poll: Poll, exports: bool, prefix: str) -> str:
    """The first lines of a results report."""
    lines = [t("Poll {n} is closed. Here are its results.", n=poll.id)]
    if poll.is_secret:
        lines.append(t("The secret key is erased: ballots can no longer be linked to anyone."))
        lines.append(
            t(
                "To check that your ballot was counted, type {command}.",
                command=f"{prefix}ballots {poll.id}",
            )
        )
    if exports:
        lines.append(t("The ballots (spreadsheet) and the full results (JSON) are attached."))
    return "\n".join(lines)


def unreachable_report_screen(t: Translator, names: Sequence[str], more: int) -> Screen:
    """For admins: members no message can reach any more."""
    lines = [
        t(
            "Parvis cannot reach these members: they blocked Parvis or left the platform. "
            "They will miss announcements, reminders and results until they write to "
            "Parvis again."
        ),
        *(f"• {name}" for name in names),
    ]
    if more:
        lines.append(t.plural("… and {n} other member.", "… and {n} other members.", more))
    return Screen(title=t("Members Parvis cannot reach"), text="\n".join(lines), tone=Tone.WARNING)


def failed_report_screen(t: Translator, items: Sequence[tuple[str, str]], more: int) -> Screen:
    """For admins: messages that could not be delivered after several attempts."""
    lines = [t("Parvis tried several times but could not deliver these messages:")]
    lines += [f"• {name}: {t(KIND_NAMES.get(kind, kind))}" for name, kind in items]
    if more:
        lines.append(t.plural("… and {n} other message.", "… and {n} other messages.", more))
    return Screen(title=t("Messages not delivered"), text="\n".join(lines), tone=Tone.WARNING)


def open_failed_screen(t: Translator, poll_id: int, title: str, reason: str) -> Screen:
    """For admins: a scheduled poll could not open."""
    return Screen(
        title=t("Poll {n} could not open", n=poll_id),
        text=f"{title}\n{reason}",
        tone=Tone.ERROR,
    )
