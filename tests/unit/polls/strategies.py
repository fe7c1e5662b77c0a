"""Hypothesis strategies: valid questions and valid answers to them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from bot.polls.questions import (
    DEFAULT_GRADES,
    Answer,
    Question,
    QuestionMethod,
    RankingRule,
    new_question,
)

LABELS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè ", min_size=1, max_size=12).filter(
        lambda s: s.strip() != ""
    ),
    min_size=2,
    max_size=8,
    unique_by=lambda s: s.strip().casefold(),
)


@st.composite
def questions(draw: st.DrawFn, method: QuestionMethod | None = None) -> Question:
    """A valid question of any method."""
    method = method or draw(st.sampled_from(list(QuestionMethod)))
    settings: dict[str, Any] = {"allow_blank": draw(st.booleans())}
    labels: list[str] = []
    if method in (QuestionMethod.SINGLE, QuestionMethod.MULTIPLE, QuestionMethod.RANKING):
        labels = draw(LABELS)
    if method is QuestionMethod.MULTIPLE:
        top = draw(st.integers(1, len(labels)))
        settings.update(max_selections=top, min_selections=draw(st.integers(0, top)))
    if method is QuestionMethod.RANKING:
        settings["ranking_rule"] = draw(st.sampled_from(list(RankingRule)))
    if method is QuestionMethod.JUDGMENT:
        labels = draw(LABELS.map(lambda x: x[: draw(st.integers(1, len(x)))]))
        settings["grades"] = draw(
            st.sampled_from([DEFAULT_GRADES, ("Oui", "Plutôt oui", "Plutôt non", "Non")])
        )
    if method is QuestionMethod.SCALE:
        low = draw(st.integers(-5, 5))
        settings.update(scale_min=low, scale_max=low + draw(st.integers(1, 10)))
    if method is QuestionMethod.FREE_TEXT:
        settings["max_length"] = draw(st.integers(1, 300))
    return new_question("Question ?", method, labels, **settings)


@st.composite
def answers(draw: st.DrawFn, question: Question) -> Answer:
    """A valid answer to ``question`` (possibly a blank when allowed)."""
    if question.allow_blank and draw(st.booleans()) and draw(st.booleans()):
        return None
    keys = list(question.option_keys)
    method = question.method
    if method is QuestionMethod.SINGLE:
        return draw(st.sampled_from(keys))
    if method is QuestionMethod.MULTIPLE:
        size = draw(st.integers(question.min_selections, question.max_selections))
        chosen = draw(st.permutations(keys))[:size]
        return tuple(key for key in keys if key in chosen)
    if method is QuestionMethod.RANKING:
        return tuple(draw(st.permutations(keys))[: draw(st.integers(1, len(keys)))])
    if method is QuestionMethod.JUDGMENT:
        return {key: draw(st.sampled_from(question.grades)) for key in keys}
    if method is QuestionMethod.SCALE:
        return draw(st.integers(question.scale_min, question.scale_max))
    text = draw(
        st.text(alphabet="abc xyz,.;:>é\n", min_size=1, max_size=question.max_length)
    ).strip()
    return text or "x"
