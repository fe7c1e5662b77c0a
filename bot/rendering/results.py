"""Results of one question in words: weighted and headcount side by side, conventions said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from bot.i18n import Translator
from bot.polls.tally import (
    ChoiceDetail,
    FreeTextResult,
    JudgmentDetail,
    RunoffDetail,
    ScaleDetail,
    SchulzeDetail,
    TallyResult,
    WeightingOutcome,
    visible_breakdown,
)


@dataclass(frozen=True, slots=True)
class ResultLabels:
    """Human names for what a tally speaks of by key."""

    options: Mapping[str, str] = field(default_factory=dict)
    colleges: Mapping[str, str] = field(default_factory=dict)

    def option(self, key: str) -> str:
        """An option's label (its key if unknown)."""
        return self.options.get(key, key)

    def college(self, key: str) -> str:
        """A collège's name (its key if unknown)."""
        return self.colleges.get(key, key)


def result_lines(
    t: Translator,
    result: TallyResult[Any] | FreeTextResult,
    labels: ResultLabels,
    privacy_threshold: int,
    texts: tuple[str, ...] | None = None,
) -> list[str]:
    """Lines describing one question's result for a reader."""
    if isinstance(result, FreeTextResult):
        shown = texts if texts is not None else result.texts
        lines = [t.plural("{n} answer:", "{n} answers:", len(shown))]
        lines += [f"« {text} »" if t.language == "fr" else f"“{text}”" for text in shown]
        return lines
    lines = _turnout_line(t, result)
    lines += _outcome_lines(t, result, labels)
    lines += _detail_lines(t, result, labels)
    lines += conventions_lines(t, result, labels)
    lines += _breakdown_lines(t, result, labels, privacy_threshold)
    return lines


def _turnout_line(t: Translator, result: TallyResult[Any]) -> list[str]:
    turnout = result.turnout
    text = t.plural("{n} ballot", "{n} ballots", turnout.ballots)
    parts = [t.plural("{n} valid", "{n} valid", turnout.valid)]
    if turnout.blank:
        parts.append(t.plural("{n} blank", "{n} blank", turnout.blank))
    if turnout.invalid:
        parts.append(t.plural("{n} void", "{n} void", turnout.invalid))
    return [f"{text} ({', '.join(parts)})"]


def _outcome_lines(t: Translator, result: TallyResult[Any], labels: ResultLabels) -> list[str]:
    if isinstance(result.headcount, ScaleDetail):
        return []
    if result.weighting is not None and result.weighted is None:
        return [t("Weighted result withheld: a collège has no valid ballot (statutes rule).")]
    ranking = result.ranking or ()
    if result.turnout.valid == 0:
        return [t("No valid ballot yet.")]
    if result.winner is not None:
        return [t("Result: {option}", option=labels.option(result.winner))]
    if ranking:
        tied = ", ".join(labels.option(key) for key in ranking[0])
        return [t("Tie between: {options}", options=tied)]
    return []


def _share(t: Translator, value: Fraction | None) -> str:
    return "—" if value is None else t.percent(value)


def _detail_lines(t: Translator, result: TallyResult[Any], labels: ResultLabels) -> list[str]:
    head, weighted = result.headcount, result.weighted
    with_weights = result.weighting is not None
    if isinstance(head, ChoiceDetail):
        return _choice_lines(t, head, weighted, with_weights, labels)
    if isinstance(head, SchulzeDetail):
        return _ranking_lines(t, head, weighted, with_weights, labels)
    if isinstance(head, RunoffDetail):
        lines = _ranking_lines(t, head, weighted, with_weights, labels)
        decisive = weighted if with_weights and weighted is not None else head
        for number, round_ in enumerate(decisive.rounds, start=1):
            counts = ", ".join(
                f"{labels.option(k)} {t.percent(v / round_.active) if round_.active else '—'}"
                for k, v in round_.counts.items()
            )
            gone = ", ".join(labels.option(k) for k in round_.eliminated)
            lines.append(
                t("Round {n}: {counts}", n=number, counts=counts)
                + (t(" — eliminated: {names}", names=gone) if gone else "")
            )
        return lines
    if isinstance(head, JudgmentDetail):
        return _judgment_lines(t, head, weighted, with_weights, labels)
    if isinstance(head, ScaleDetail):
        return _scale_lines(t, head, weighted, with_weights)
    return []


def _choice_lines(
    t: Translator,
    head: ChoiceDetail,
    weighted: ChoiceDetail | None,
    with_weights: bool,
    labels: ResultLabels,
) -> list[str]:
    lines = []
    for key in head.shares:
        votes = int(head.votes[key])
        line = (
            f"• {labels.option(key)}: "
            + t.plural("{n} vote", "{n} votes", votes)
            + f" ({t.percent(head.shares[key])})"
        )
        if with_weights:
            line += " · " + t(
                "weighted {share}", share=_share(t, weighted.shares[key] if weighted else None)
            )
        lines.append(line)
    return lines


def _ranking_lines(
    t: Translator,
    head: SchulzeDetail | RunoffDetail,
    weighted: SchulzeDetail | RunoffDetail | None,
    with_weights: bool,
    labels: ResultLabels,
) -> list[str]:
    def order(ranking: tuple[tuple[str, ...], ...]) -> str:
        return " > ".join(" = ".join(labels.option(k) for k in group) for group in ranking)

    lines = []
    if with_weights and weighted is not None:
        lines.append(t("Weighted order: {order}", order=order(weighted.ranking)))
    lines.append(t("Headcount order: {order}", order=order(head.ranking)))
    return lines


def _judgment_lines(
    t: Translator,
    head: JudgmentDetail,
    weighted: JudgmentDetail | None,
    with_weights: bool,
    labels: ResultLabels,
) -> list[str]:
    lines = []
    decisive = weighted if with_weights and weighted is not None else head
    for group in decisive.ranking:
        for key in group:
            line = f"• {labels.option(key)}: " + t(
                "majority grade {grade}", grade=head.majority_grades.get(key) or "—"
            )
            if with_weights:
                grade = weighted.majority_grades.get(key) if weighted else None
                line += " · " + t("weighted {grade}", grade=grade or "—")
            lines.append(line)
    return lines


def _scale_lines(
    t: Translator, head: ScaleDetail, weighted: ScaleDetail | None, with_weights: bool
) -> list[str]:
    def number(value: Fraction | None) -> str:
        return "—" if value is None else t.number(round(float(value), 2))

    lines = [
        t("Mean {mean} · median {median}", mean=number(head.mean), median=number(head.median))
    ]
    if with_weights and weighted is not None:
        lines.append(
            t(
                "Weighted: mean {mean} · median {median}",
                mean=number(weighted.mean),
                median=number(weighted.median),
            )
        )
    distribution = ", ".join(
        f"{value}: {int(count)}" for value, count in head.distribution.items()
    )
    lines.append(t("Distribution: {values}", values=distribution))
    return lines


def conventions_lines(t: Translator, result: TallyResult[Any], labels: ResultLabels) -> list[str]:
    """Which counting conventions applied, in plain words."""
    lines = []
    if result.blank_counts_as_cast:
        lines.append(t("Blank ballots count as cast (statutes)."))
    else:
        lines.append(t("Blank ballots count in participation, not in the shares."))
    weighting = result.weighting
    if weighting is None:
        lines.append(t("Not weighted: one person, one vote."))
        return lines
    weights = ", ".join(
        f"{labels.college(k)} {t.percent(w)}" for k, w in weighting.weights.items()
    )
    lines.append(t("Weighted by collège: {weights}.", weights=weights))
    empty = ", ".join(labels.college(k) for k in weighting.empty_colleges)
    if weighting.outcome is WeightingOutcome.REDISTRIBUTED:
        lines.append(
            t(
                "No valid ballot in {colleges}: its weight was shared among the other collèges.",
                colleges=empty,
            )
        )
    elif weighting.outcome is WeightingOutcome.WITHHELD:
        lines.append(
            t(
                "No valid ballot in {colleges}: the weighted result is withheld and flagged.",
                colleges=empty or "—",
            )
        )
    return lines


def _breakdown_lines(
    t: Translator, result: TallyResult[Any], labels: ResultLabels, k: int
) -> list[str]:
    if result.weighting is None or not result.by_college:
        return []
    breakdown = visible_breakdown(result.by_college, k)
    lines = [t("By collège:")]
    for key, part in breakdown.shown.items():
        detail = part.detail
        summary = ""
        if isinstance(detail, ChoiceDetail):
            summary = ", ".join(
                f"{labels.option(o)} {t.percent(s)}" for o, s in detail.shares.items()
            )
        elif detail.winner is not None:
            summary = labels.option(detail.winner)
        lines.append(
            f"  {labels.college(key)} ("
            + t.plural("{n} ballot", "{n} ballots", part.turnout.ballots)
            + (f"): {summary}" if summary else ")")
        )
    if breakdown.hidden:
        names = ", ".join(labels.college(key) for key in breakdown.hidden)
        lines.append(
            "  "
            + t(
                "{colleges}: fewer than {k} ballots, not shown separately (they still count).",
                colleges=names,
                k=k,
            )
        )
    return lines
