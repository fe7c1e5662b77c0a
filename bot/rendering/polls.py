"""Poll descriptions and results as neutral screens."""

from __future__ import annotations

import json
from fractions import Fraction

from bot.i18n import N_, Translator
from bot.i18n.errors import STATUS_WORDS
from bot.members.model import Statutes
from bot.platforms.ports import Attachment, Screen
from bot.polls.model import Poll, PollKind, PollStatus, ResultsVisibility, Secrecy
from bot.polls.questions import QuestionMethod
from bot.polls.results import PollResults
from bot.rendering.charts import choice_chart
from bot.rendering.results import ResultLabels, result_lines

STATUS = {PollStatus(key): word for key, word in STATUS_WORDS.items()}
KIND = {
    PollKind.CONSULTATION: N_("consultation (advisory)"),
    PollKind.DELIBERATION: N_("deliberation (binding, weighted by collège)"),
}
SECRECY = {Secrecy.SECRET: N_("secret ballot"), Secrecy.NOMINATIVE: N_("open ballot (names kept)")}
VISIBILITY = {
    ResultsVisibility.LIVE: N_("results visible live"),
    ResultsVisibility.AFTER_VOTING: N_("results visible after voting"),
    ResultsVisibility.AFTER_CLOSE: N_("results visible after the close"),
}
METHOD = {
    QuestionMethod.SINGLE: N_("single choice"),
    QuestionMethod.MULTIPLE: N_("multiple choice"),
    QuestionMethod.RANKING: N_("ranking"),
    QuestionMethod.JUDGMENT: N_("majority judgment"),
    QuestionMethod.SCALE: N_("scale"),
    QuestionMethod.FREE_TEXT: N_("free text"),
}


def status_label(t: Translator, status: PollStatus) -> str:
    """A poll status in words."""
    return t(STATUS[status])


def poll_summary_screen(t: Translator, poll: Poll) -> Screen:
    """Everything about a poll's definition, for admins."""
    spec = poll.spec
    lines = [
        t("Poll {n} — {status}", n=poll.id, status=status_label(t, poll.status)),
        f"{t(KIND[spec.kind])} · {t(SECRECY[spec.secrecy])} · {t(VISIBILITY[spec.visibility])}",
    ]
    if spec.summary:
        lines.append(spec.summary)
    audience = sorted(r.value for r in spec.audience.roles) + sorted(spec.audience.colleges)
    lines.append(t("Audience: {who}", who=", ".join(audience) or t("all members")))
    if spec.opens_at:
        lines.append(t("Opens: {date}", date=t.datetime(spec.opens_at, "short")))
    if spec.closes_at:
        lines.append(t("Closes: {date}", date=t.datetime(spec.closes_at, "short")))
    lines.append("")
    for question in poll.questions:
        flags = [t(METHOD[question.method])]
        if question.optional:
            flags.append(t("optional"))
        if question.method is QuestionMethod.RANKING:
            flags.append(question.ranking_rule.value)
        if question.method is QuestionMethod.MULTIPLE:
            flags.append(
                t(
                    "{min} to {max} choices",
                    min=question.min_selections,
                    max=question.max_selections,
                )
            )
        if question.method is QuestionMethod.SCALE:
            flags.append(f"{question.scale_min}–{question.scale_max}")
        lines.append(f"{question.position}. {question.prompt} ({', '.join(flags)})")
        lines += [f"   {n}. {o.label}" for n, o in enumerate(question.options, start=1)]
    return Screen(title=poll.title, text="\n".join(lines))


def results_screen(
    t: Translator, outcome: PollResults, statutes: Statutes, with_chart: bool = True
) -> Screen:
    """Weighted and headcount results side by side, participation, quorum, conventions."""
    poll = outcome.poll
    colleges = {c.key: c.name(t.language) for c in statutes.colleges}
    lines = [
        t("Final results") if outcome.final else t("Provisional results (the poll is open)"),
        t(
            "Participation: {voted} of {eligible} ({rate})",
            voted=outcome.participation.voted,
            eligible=outcome.participation.eligible,
            rate=t.percent(outcome.participation.rate),
        ),
    ]
    for key, part in outcome.participation.colleges.items():
        if not key:
            continue  # members outside any collège: already in the overall line
        lines.append(
            f"  {colleges.get(key, key)}: {part.voted}/{part.eligible} ({t.percent(part.rate)})"
        )
    quorum = outcome.quorum
    if quorum.threshold.value > 0:
        lines.append(
            t(
                "Quorum {required}: reached ({value}).",
                required=t.percent(quorum.threshold.value),
                value=t.percent(quorum.value),
            )
            if quorum.met
            else t(
                "Quorum {required}: NOT reached ({value}).",
                required=t.percent(quorum.threshold.value),
                value=t.percent(quorum.value),
            )
        )
    if outcome.statutes_version:
        lines.append(t("Statutes version {version}.", version=outcome.statutes_version))
    attachments: list[Attachment] = []
    for result in outcome.questions:
        question = result.question
        lines += ["", f"{question.position}. {question.prompt}"]
        labels = ResultLabels({o.key: o.label for o in question.options}, colleges)
        if result.tally is None:
            lines += result_lines(
                t, _texts(result.texts), labels, outcome.privacy_threshold, result.texts
            )
            continue
        lines += result_lines(t, result.tally, labels, outcome.privacy_threshold)
        if result.majority is not None:
            lines.append(
                _majority_line(
                    t, result.majority.threshold.value, result.majority.met, result.majority.share
                )
            )
        if with_chart and question.method in (QuestionMethod.SINGLE, QuestionMethod.MULTIPLE):
            head = result.tally.headcount
            weighted = result.tally.weighted
            keys = list(question.option_keys)
            image, caption = choice_chart(
                t,
                question.prompt,
                [o.label for o in question.options],
                head.shares,
                weighted.shares if weighted is not None else None,
                keys,
            )
            attachments.append(
                Attachment(
                    f"poll-{poll.id}-q{question.position}.png", image, "image/png", caption[:1000]
                )
            )
    return Screen(
        title=t("Results — {title}", title=poll.title),
        text="\n".join(lines),
        attachments=tuple(attachments),
    )


def _texts(texts: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from bot.polls.tally import FreeTextResult

    return FreeTextResult(texts, 0, 0)


def _majority_line(t: Translator, required: Fraction, met: bool, share: Fraction | None) -> str:
    value = t.percent(share) if share is not None else "—"
    if met:
        return t(
            "Majority {required}: reached ({value}).", required=t.percent(required), value=value
        )
    return t(
        "Majority {required}: not reached ({value}).", required=t.percent(required), value=value
    )


def json_attachment(name: str, document: object, caption: str) -> Attachment:
    """A JSON document as a file."""
    data = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return Attachment(name, data, "application/json", caption)
