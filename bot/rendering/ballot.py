"""Screens of the answering conversation: one question at a time, then a review."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.i18n import Translator
from bot.platforms.ports import Action, Button, Screen
from bot.polls.model import Poll, Secrecy
from bot.polls.questions import Answer, Question, QuestionMethod

MAX_SCALE_BUTTONS = 11
CHECK = "✓ "


def answer_text(t: Translator, question: Question, answer: Answer) -> str:
    """An answer in words for the review screen."""
    if answer is None:
        return t("blank vote")
    labels = {o.key: o.label for o in question.options}
    if question.method is QuestionMethod.SINGLE and isinstance(answer, str):
        return labels[answer]
    if isinstance(answer, tuple):
        if not answer:
            return t("none")
        separator = ", " if question.method is QuestionMethod.MULTIPLE else " > "
        return separator.join(labels[k] for k in answer)
    if isinstance(answer, Mapping):
        return "; ".join(f"{labels[k]}: {g}" for k, g in answer.items())
    return str(answer)


def _header(t: Translator, poll: Poll, question: Question) -> str:
    return t(
        "{title} — question {n}/{total}",
        title=poll.title,
        n=question.position,
        total=len(poll.questions),
    )


def _nav(t: Translator, poll: Poll, question: Question, can_go_back: bool) -> tuple[Button, ...]:
    row: list[Button] = []
    if question.allow_blank and question.method is not QuestionMethod.FREE_TEXT:
        row.append(Button(t("Blank vote"), Action("blank", (poll.id, question.position))))
    if question.optional:
        row.append(Button(t("Skip"), Action("skip", (poll.id, question.position))))
    if can_go_back:
        row.append(Button(t("Back"), Action("back", (poll.id, question.position))))
    return tuple(row)


def question_screen(
    t: Translator,
    poll: Poll,
    question: Question,
    draft: Any,
    current: Answer | None,
    has_current: bool,
    can_go_back: bool,
) -> Screen:
    """The screen asking one question, with buttons and how to type the answer."""
    lines = [question.prompt, ""]
    buttons: list[tuple[Button, ...]] = []
    pid, pos = poll.id, question.position
    method = question.method
    if method is QuestionMethod.SINGLE:
        lines += [f"{n}. {o.label}" for n, o in enumerate(question.options, start=1)]
        buttons += [
            (Button(o.label, Action("pick", (pid, pos, n))),)
            for n, o in enumerate(question.options, start=1)
        ]
        lines += ["", t("Type the number of your choice.")]
    elif method is QuestionMethod.MULTIPLE:
        chosen = set(draft or [])
        lines += [
            f"{n}. {CHECK if o.key in chosen else ''}{o.label}"
            for n, o in enumerate(question.options, start=1)
        ]
        buttons += [
            (Button(f"{CHECK if o.key in chosen else ''}{o.label}", Action("tog", (pid, pos, n))),)
            for n, o in enumerate(question.options, start=1)
        ]
        buttons.append((Button(t("Confirm my choices"), Action("done", (pid, pos))),))
        limits = t(
            "Choose between {min} and {max}.",
            min=question.min_selections,
            max=question.max_selections,
        )
        lines += [
            "",
            limits,
            t("Press the options, then confirm; or type their numbers, for example 1,3."),
        ]
    elif method is QuestionMethod.RANKING:
        picked = list(draft or [])
        labels = {o.key: o.label for o in question.options}
        if picked:
            lines.append(
                t("Your order so far: {order}", order=" > ".join(labels[k] for k in picked))
            )
            lines.append("")
        lines += [
            f"{n}. {o.label}"
            for n, o in enumerate(question.options, start=1)
            if o.key not in picked
        ]
        buttons += [
            (Button(o.label, Action("rank", (pid, pos, n))),)
            for n, o in enumerate(question.options, start=1)
            if o.key not in picked
        ]
        control = []
        if picked:
            control.append(Button(t("Undo"), Action("undo", (pid, pos))))
            control.append(Button(t("That's my order"), Action("done", (pid, pos))))
        if control:
            buttons.append(tuple(control))
        lines += [
            "",
            t(
                "Press the options from your favourite to your least favourite; or "
                "type the whole order, for example 3>1>2. Options you leave out "
                "come last, tied."
            ),
        ]
    elif method is QuestionMethod.JUDGMENT:
        graded = dict(draft or {})
        remaining = [o for o in question.options if o.key not in graded]
        for o in question.options:
            if o.key in graded:
                lines.append(f"{CHECK}{o.label}: {graded[o.key]}")
        if remaining:
            option = remaining[0]
            lines.append(t("How do you rate “{option}”?", option=option.label))
            buttons += [
                (Button(grade, Action("grade", (pid, pos, n))),)
                for n, grade in enumerate(question.grades, start=1)
            ]
        if graded:
            buttons.append((Button(t("Undo"), Action("undo", (pid, pos))),))
        numbered = ", ".join(f"{n}. {o.label}" for n, o in enumerate(question.options, start=1))
        lines += [
            "",
            t("Options: {options}", options=numbered),
            t("Grades: {grades}", grades=question.grade_list()),
            t("Press a grade, or type one grade per option, for example 1:2 2:1 (option:grade)."),
        ]
    elif method is QuestionMethod.SCALE:
        span = question.scale_max - question.scale_min + 1
        ends = []
        if question.scale_min_label:
            ends.append(f"{question.scale_min} = {question.scale_min_label}")
        if question.scale_max_label:
            ends.append(f"{question.scale_max} = {question.scale_max_label}")
        if ends:
            lines.append(" · ".join(ends))
        if span <= MAX_SCALE_BUTTONS:
            values = list(range(question.scale_min, question.scale_max + 1))
            buttons.append(tuple(Button(str(v), Action("val", (pid, pos, v))) for v in values))
        lines += [
            "",
            t(
                "Type a number from {min} to {max}.",
                min=question.scale_min,
                max=question.scale_max,
            ),
        ]
    else:
        lines.append(
            t(
                "Type your answer in one message ({max} characters at most).",
                max=question.max_length,
            )
        )
    if has_current:
        lines += ["", t("Your current answer: {answer}", answer=answer_text(t, question, current))]
    nav = _nav(t, poll, question, can_go_back)
    if nav:
        buttons.append(nav)
    return Screen(
        title=_header(t, poll, question),
        text="\n".join(lines),
        buttons=tuple(buttons),
        replaces_origin=True,
    )


def review_screen(t: Translator, poll: Poll, answers: Mapping[int, Answer]) -> Screen:
    """Everything answered, before submitting."""
    lines = [t("Please check your answers:"), ""]
    for question in poll.questions:
        if question.position in answers:
            answer = answer_text(t, question, answers[question.position])
        else:
            answer = t("(skipped)")
        lines.append(f"{question.position}. {question.prompt}")
        lines.append(f"   → {answer}")
    if poll.spec.secrecy is Secrecy.SECRET:
        lines += [
            "",
            t("This is a secret vote: once the poll closes, nobody can link your ballot to you."),
        ]
    buttons = [
        (Button(t("Send my ballot"), Action("submit", (poll.id,))),),
        tuple(
            Button(t("Change {n}", n=q.position), Action("goto", (poll.id, q.position)))
            for q in poll.questions[:8]
        ),
    ]
    lines += ["", t("Type “send” to send it, or the number of a question to change it.")]
    return Screen(
        title=t("{title} — review", title=poll.title),
        text="\n".join(lines),
        buttons=tuple(buttons),
        replaces_origin=True,
    )


def submitted_screen(
    t: Translator, poll: Poll, receipt: str | None, replaced: bool, until: datetime | None
) -> Screen:
    """Confirmation after a ballot is recorded."""
    lines = [
        t("Your new ballot replaces the previous one.")
        if replaced
        else t("Thank you, your ballot is recorded.")
    ]
    if receipt:
        lines.append(
            t(
                "Your receipt code: {receipt}. Keep it: it lets you check in the "
                "published list that your ballot was counted as cast.",
                receipt=receipt,
            )
        )
    if until is not None:
        lines.append(
            t("You can change your answers until {date}.", date=t.datetime(until, "short"))
        )
    else:
        lines.append(t("You can change your answers until the poll closes."))
    return Screen(title=poll.title, text="\n".join(lines), replaces_origin=True)
