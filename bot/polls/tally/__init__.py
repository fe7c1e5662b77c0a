"""Pure, streaming, exact counting of poll questions (no I/O, no database, no floats).

Usage, the same for every counting method::

    tally = SingleChoiceTally(options=["pour", "contre"])
    for college, answer, count in rows:          # e.g. SQL GROUP BY rows
        tally.add(college, answer, count)        # answer None = blank ballot
    result = tally.finish(CountingRules(colleges={"salaries": Fraction(2, 5), ...}))
    result.winner, result.ranking                # weighted ones when there are collèges
    result.headcount, result.weighted, result.by_college, result.weighting
    result.to_json()                             # the recount format, docs/recount.md

Accumulators (constructed with the question, answers use option keys as strings):

- ``SingleChoiceTally(options)`` — answer ``"A"``
- ``MultipleChoiceTally(options, max_selections=, min_selections=1)`` — answer ``["A", "C"]``
- ``SchulzeTally(options)`` / ``InstantRunoffTally(options)`` — answer ``["B", "A"]``, best first
- ``MajorityJudgmentTally(options, grades=DEFAULT_GRADES)`` — answer ``{"A": "Bien"}``
- ``ScaleTally(minimum, maximum)`` — answer ``4``
- ``FreeTextTally()`` — answer ``"text"``; ``finish()`` lists, never counts

Each keeps only aggregates per collège; ``finish`` combines them with factor w_c / n_c for the
weighted view (n_c: valid ballots of collège c, plus blank ones when blank counts as cast).
Answers that do not fit the question are void: counted as ``invalid``, never as votes.
Ties are reported as tie groups with ``winner`` None; they are never broken at random.

Checks: ``participation``, ``check_quorum``, ``Threshold``, ``winner_share``,
``majority_met``, ``visible_breakdown`` (small-collège privacy guard).
"""

from __future__ import annotations

from bot.polls.tally.accumulator import Accumulator
from bot.polls.tally.common import Detail, Method, RankingRule, TieGroups, Turnout
from bot.polls.tally.free_text import FreeTextResult, FreeTextTally, shuffled_texts
from bot.polls.tally.irv import InstantRunoffTally, RunoffDetail, RunoffRound
from bot.polls.tally.judgment import (
    DEFAULT_GRADES,
    JudgmentDetail,
    MajorityJudgmentTally,
    MedianStep,
)
from bot.polls.tally.multiple import MultipleChoiceTally
from bot.polls.tally.quorum import (
    ABSOLUTE_MAJORITY,
    DEFAULT_PRIVACY_THRESHOLD,
    TWO_THIRDS,
    Breakdown,
    CollegeParticipation,
    Comparison,
    Participation,
    QuorumBasis,
    QuorumCheck,
    Threshold,
    check_quorum,
    majority_met,
    participation,
    visible_breakdown,
    winner_share,
)
from bot.polls.tally.result import CollegeResult, TallyResult
from bot.polls.tally.rules import (
    CountingRules,
    EmptyCollege,
    TallyError,
    Weighting,
    WeightingOutcome,
)
from bot.polls.tally.scale import ScaleDetail, ScaleTally
from bot.polls.tally.schulze import SchulzeDetail, SchulzeTally
from bot.polls.tally.single import ChoiceDetail, SingleChoiceTally

__all__ = [
    "ABSOLUTE_MAJORITY",
    "DEFAULT_GRADES",
    "DEFAULT_PRIVACY_THRESHOLD",
    "TWO_THIRDS",
    "Accumulator",
    "Breakdown",
    "ChoiceDetail",
    "CollegeParticipation",
    "CollegeResult",
    "Comparison",
    "CountingRules",
    "Detail",
    "EmptyCollege",
    "FreeTextResult",
    "FreeTextTally",
    "InstantRunoffTally",
    "JudgmentDetail",
    "MajorityJudgmentTally",
    "MedianStep",
    "Method",
    "MultipleChoiceTally",
    "Participation",
    "QuorumBasis",
    "QuorumCheck",
    "RankingRule",
    "RunoffDetail",
    "RunoffRound",
    "ScaleDetail",
    "ScaleTally",
    "SchulzeDetail",
    "SchulzeTally",
    "SingleChoiceTally",
    "TallyError",
    "TallyResult",
    "Threshold",
    "TieGroups",
    "Turnout",
    "Weighting",
    "WeightingOutcome",
    "check_quorum",
    "majority_met",
    "participation",
    "shuffled_texts",
    "visible_breakdown",
    "winner_share",
]
