"""Results of a poll: the tally accumulators fed from SQL, participation, quorum and majority.

Every counting method is fed by the database: ``GROUP BY collège, stored answer`` streamed in
batches (``yield_per``) into the pure accumulators, each row standing for ``count`` identical
ballots. Single, multiple and scale answers have few distinct values; ranking and judgment
answers may have many, which is why the rows are streamed rather than fetched. No list of
ballots is ever built, so memory does not grow with the number of ballots.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from bot.members.model import Statutes
from bot.polls.ballot_box import BallotBox
from bot.polls.codec import decode_answer
from bot.polls.model import DecisionRules, Poll, PollStatus
from bot.polls.questions import Question, QuestionMethod, RankingRule
from bot.polls.repository import PollRepository
from bot.polls.tally import (
    Accumulator,
    Breakdown,
    CollegeResult,
    CountingRules,
    EmptyCollege,
    FreeTextTally,
    InstantRunoffTally,
    MajorityJudgmentTally,
    MultipleChoiceTally,
    Participation,
    QuorumCheck,
    ScaleTally,
    SchulzeTally,
    SingleChoiceTally,
    TallyResult,
    Threshold,
    check_quorum,
    majority_met,
    participation,
    visible_breakdown,
    winner_share,
)


@dataclass(frozen=True, slots=True)
class MajorityOutcome:
    """Whether the winner of a single-choice question reached the required majority."""

    threshold: Threshold
    share: Fraction | None
    met: bool

    def to_json(self) -> dict[str, Any]:
        """Threshold, comparison, the winner's share and the outcome."""
        return {
            "required": str(self.threshold.value),
            "comparison": self.threshold.comparison.value,
            "share": None if self.share is None else str(self.share),
            "met": self.met,
        }


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's result: the tally (counting methods) or the texts (free text)."""

    question: Question
    tally: TallyResult[Any] | None
    texts: tuple[str, ...]
    breakdown: Breakdown[CollegeResult[Any]] | None
    majority: MajorityOutcome | None

    def to_json(self) -> dict[str, Any]:
        """The question and its result; hidden small collèges are left out of ``by_college``."""
        out: dict[str, Any] = {
            "position": self.question.position,
            "prompt": self.question.prompt,
            "method": self.question.method.value,
        }
        if self.tally is None:
            out["texts"] = list(self.texts)
            return out
        result = self.tally.to_json()
        if self.breakdown is not None:
            shown = self.breakdown.shown
            result["by_college"] = {k: v for k, v in result["by_college"].items() if k in shown}
            result["hidden_colleges"] = list(self.breakdown.hidden)
        out["result"] = result
        out["majority"] = None if self.majority is None else self.majority.to_json()
        return out


@dataclass(frozen=True, slots=True)
class PollResults:
    """Everything a results screen or report shows, with the conventions that applied."""

    poll: Poll
    final: bool
    statutes_version: int | None
    rules: CountingRules
    decision: DecisionRules
    participation: Participation
    quorum: QuorumCheck
    privacy_threshold: int
    questions: tuple[QuestionResult, ...]
    computed_at: datetime

    @property
    def weighted(self) -> bool:
        """Whether results are weighted by collège."""
        return self.rules.weighted

    def to_json(self) -> dict[str, Any]:
        """A complete, self-explaining JSON report (fractions as exact strings)."""
        return {
            "poll": {
                "id": self.poll.id,
                "title": self.poll.title,
                "kind": self.poll.spec.kind.value,
                "secrecy": self.poll.spec.secrecy.value,
                "status": self.poll.status.value,
            },
            "final": self.final,
            "statutes_version": self.statutes_version,
            "conventions": {
                "weighted": self.weighted,
                "weights": {k: str(w) for k, w in self.rules.colleges.items()},
                "blank_counts_as_cast": self.rules.blank_counts_as_cast,
                "empty_college": self.rules.empty_college.value,
                "privacy_threshold": self.privacy_threshold,
            },
            "participation": self.participation.to_json(),
            "quorum": {
                "required": str(self.quorum.threshold.value),
                "value": str(self.quorum.value),
                "met": self.quorum.met,
            },
            "questions": [question.to_json() for question in self.questions],
            "computed_at": self.computed_at.isoformat(),
        }


def counting_rules(poll: Poll, statutes: Statutes) -> CountingRules:
    """The statutes' counting rules for this poll: weighted only for deliberations."""
    weights = statutes.weights if poll.weighted and statutes.colleges else {}
    return CountingRules(
        weights, EmptyCollege(statutes.empty_college.value), statutes.blank_counts_as_cast
    )


def majority_threshold(majority: Fraction) -> Threshold:
    """More than half for a simple majority; at least the fraction otherwise (e.g. 2/3)."""
    if majority <= Fraction(1, 2):
        return Threshold.more_than(majority)
    return Threshold.at_least(majority)


def accumulator(question: Question) -> Accumulator[Any, Any]:
    """The pure streaming tally that counts this question."""
    keys = list(question.option_keys)
    method = question.method
    if method is QuestionMethod.SINGLE:
        return SingleChoiceTally(keys)
    if method is QuestionMethod.MULTIPLE:
        return MultipleChoiceTally(
            keys, max_selections=question.max_selections, min_selections=question.min_selections
        )
    if method is QuestionMethod.RANKING:
        if question.ranking_rule is RankingRule.IRV:
            return InstantRunoffTally(keys)
        return SchulzeTally(keys)
    if method is QuestionMethod.JUDGMENT:
        return MajorityJudgmentTally(keys, question.grades)
    if method is QuestionMethod.SCALE:
        return ScaleTally(question.scale_min, question.scale_max)
    raise ValueError(f"{method} is listed, not counted")


async def tally_question(
    box: BallotBox, question: Question, rules: CountingRules
) -> TallyResult[Any]:
    """Count one question from the database into a result."""
    assert question.id is not None
    tally = accumulator(question)
    async for batch in box.grouped(question.id):
        for college, value, count in batch:
            tally.add(college, decode_answer(question, value), int(count))
    return tally.finish(rules)


async def list_texts(box: BallotBox, question: Question, shuffle: bool) -> tuple[str, ...]:
    """Free-text answers; in a secret poll without authors and in random order."""
    assert question.id is not None
    texts = FreeTextTally(max_length=question.max_length)
    async for batch in box.each(question.id):
        for college, _, text in batch:
            texts.add(college, text)
    result = texts.finish()
    return result.shuffled(random.SystemRandom()) if shuffle else result.texts


async def compute(polls: PollRepository, box: BallotBox, poll: Poll, now: datetime) -> PollResults:
    """The results of a poll as they stand now (final once it is closed)."""
    statutes = await polls.statutes(poll.organisation_id, poll.statutes_version)
    rules = counting_rules(poll, statutes)
    decision = DecisionRules.for_poll(poll.spec, statutes)
    voted = await box.voted_by_college(poll.id)
    eligible = dict(poll.eligible_snapshot or await polls.eligible_counts(poll))
    for key, count in voted.items():
        eligible[key] = max(eligible.get(key, 0), count)
    turnout = participation(eligible, voted)
    quorum = check_quorum(turnout, Threshold.at_least(decision.quorum))
    questions = []
    for question in poll.questions:
        if question.method is QuestionMethod.FREE_TEXT:
            texts = await list_texts(box, question, poll.is_secret)
            questions.append(QuestionResult(question, None, texts, None, None))
            continue
        tally = await tally_question(box, question, rules)
        breakdown = visible_breakdown(tally.by_college, statutes.privacy_threshold)
        majority = None
        if question.method is QuestionMethod.SINGLE:
            threshold = majority_threshold(decision.majority)
            share = winner_share(tally)
            majority = MajorityOutcome(threshold, share, majority_met(share, threshold))
        questions.append(QuestionResult(question, tally, (), breakdown, majority))
    return PollResults(
        poll=poll,
        final=poll.status in (PollStatus.CLOSED, PollStatus.ARCHIVED),
        statutes_version=poll.statutes_version,
        rules=rules,
        decision=decision,
        participation=turnout,
        quorum=quorum,
        privacy_threshold=statutes.privacy_threshold,
        questions=tuple(questions),
        computed_at=now,
    )
