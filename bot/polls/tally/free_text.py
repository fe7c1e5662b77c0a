"""Free-text questions: answers are listed, never counted.

Unlike the counting methods, listing texts needs the texts themselves, so this collector keeps
them. In a secret poll the caller shows them without authors and in random order, with
``shuffled_texts`` and a ``random.Random`` it owns (seeded or not, as it sees fit).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.polls.tally.rules import TallyError


@dataclass(frozen=True, slots=True)
class FreeTextResult:
    """The answers to a free-text question, in the order received, with blank and void counts."""

    texts: tuple[str, ...]
    blank: int
    invalid: int

    def shuffled(self, rng: random.Random) -> tuple[str, ...]:
        """The texts in an order drawn from ``rng`` (for secret polls)."""
        return shuffled_texts(self.texts, rng)

    def to_json(self) -> dict[str, Any]:
        """``method``, ``answered``, ``blank``, ``invalid`` and ``texts``."""
        return {
            "method": "text",
            "answered": len(self.texts),
            "blank": self.blank,
            "invalid": self.invalid,
            "texts": list(self.texts),
        }


def shuffled_texts(texts: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """A shuffled copy of ``texts``, using the caller's random generator."""
    copy = list(texts)
    rng.shuffle(copy)
    return tuple(copy)


class FreeTextTally:
    """Collects free-text answers: ``add(college, text, count)``, then ``finish()``.

    ``None`` or a text that is empty once stripped is a blank answer; a non-string answer or one
    longer than ``max_length`` is void. Texts are kept stripped.
    """

    def __init__(self, *, max_length: int | None = None) -> None:
        if max_length is not None and (isinstance(max_length, bool) or max_length < 1):
            raise TallyError(f"max_length must be a positive integer, got {max_length!r}")
        self.max_length = max_length
        self._texts: list[str] = []
        self._blank = 0
        self._invalid = 0

    def add(self, college: str | None, answer: object, count: int = 1) -> None:
        """Record ``count`` identical answers; the collège is accepted but not used."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TallyError(f"count must be a non-negative integer, got {count!r}")
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            self._blank += count
        elif not isinstance(answer, str) or (
            self.max_length is not None and len(answer.strip()) > self.max_length
        ):
            self._invalid += count
        else:
            self._texts.extend([answer.strip()] * count)

    def finish(self) -> FreeTextResult:
        """The texts received so far."""
        return FreeTextResult(tuple(self._texts), self._blank, self._invalid)
