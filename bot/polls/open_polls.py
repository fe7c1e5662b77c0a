"""A per-database memory of open polls' definitions, so a ballot needs no poll query.

While a poll is open its definition cannot change: questions, audience, secrecy, pinned
statutes and per-poll secret are fixed from the opening to the close, and a closed poll never
reopens. A remembered definition is therefore used only together with the register signature,
which succeeds only if the poll is still open *and* was opened at the remembered instant
(checked under the lock the signature takes). Anything else falls back to reading the poll.
The database stays the truth; this is a cache of it, bounded and dropped on any doubt.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from bot.polls.model import PollStatus
from bot.polls.repository import LoadedPoll

CAPACITY = 256

_memories: WeakKeyDictionary[Any, OrderedDict[int, LoadedPoll]] = WeakKeyDictionary()


def recall(database: Any, poll_id: int) -> LoadedPoll | None:
    """The remembered definition of an open poll of this database, if any."""
    memory = _memories.get(database)
    return None if memory is None else memory.get(poll_id)


def remember(database: Any, loaded: LoadedPoll) -> None:
    """Remember an open poll's definition (other statuses are never remembered)."""
    poll = loaded.poll
    if poll.status is not PollStatus.OPEN or poll.opened_at is None:
        return
    memory = _memories.setdefault(database, OrderedDict())
    memory[poll.id] = loaded
    memory.move_to_end(poll.id)
    while len(memory) > CAPACITY:
        memory.popitem(last=False)


def forget(database: Any, poll_id: int) -> None:
    """Drop what is remembered about a poll."""
    memory = _memories.get(database)
    if memory is not None:
        memory.pop(poll_id, None)
