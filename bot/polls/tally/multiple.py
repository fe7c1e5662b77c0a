"""Multiple choice: between min and max distinct options per ballot; shares of valid ballots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from bot.polls.tally.accumulator import Accumulator
from bot.polls.tally.common import Basis, Method, check_options
from bot.polls.tally.rules import TallyError
from bot.polls.tally.single import ChoiceDetail, choice_detail


class MultipleChoiceTally(Accumulator[str, ChoiceDetail]):
    """Multiple-choice question; an answer is a list of distinct option keys.

    A ballot with fewer than ``min_selections`` or more than ``max_selections`` options, a
    repeated option or an unknown one is void (invalid). An empty list is a valid ballot only
    when ``min_selections`` is 0; a blank ballot is ``None``. Each option's share is the share
    of cast ballots that selected it, so shares need not sum to 1.
    """

    method = Method.MULTIPLE

    def __init__(
        self, options: Sequence[str], *, max_selections: int, min_selections: int = 1
    ) -> None:
        super().__init__()
        self.options = check_options(options)
        for name, value in (
            ("max_selections", max_selections),
            ("min_selections", min_selections),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TallyError(f"{name} must be an integer, got {value!r}")
        if not 1 <= max_selections <= len(self.options):
            raise TallyError(
                f"max_selections must be between 1 and {len(self.options)}, got {max_selections}"
            )
        if not 0 <= min_selections <= max_selections:
            raise TallyError(
                f"min_selections must be between 0 and max_selections ({max_selections}), "
                f"got {min_selections}"
            )
        self.max_selections = max_selections
        self.min_selections = min_selections
        self._known = frozenset(self.options)

    def _keys(self, answer: object) -> tuple[str, ...] | None:
        if not isinstance(answer, list | tuple):
            return None
        selected = tuple(answer)
        if not self.min_selections <= len(selected) <= self.max_selections:
            return None
        if not all(isinstance(item, str) and item in self._known for item in selected):
            return None
        if len(set(selected)) != len(selected):
            return None
        return selected

    def _analyse(self, mass: Mapping[str, Fraction], basis: Basis) -> ChoiceDetail:
        return choice_detail(self.options, mass, basis)
