"""Encrypted messages the bot could not read (nio hands over a `MegolmEvent`).

Such a message may be a vote, a command or a poll response: dropped without a word, the
person would believe it counted. For an undecryptable event from a person, in a room the bot
serves (their DM with the bot, or a configured group room), the adapter:

* asks for the room key, best effort (`request_room_key`, once per Megolm session; a failure
  is only logged). nio asks the bot's *own* other devices and decrypts nothing again when a
  key arrives later, so the answer below is what really helps;
* tells the person, in their language (the member's, else the organisation's), that the
  message was not read and must be sent again: a notice in the DM; in a group room only to
  members (strangers are not answered), addressed to them with a mention.

At most one notice per person and room every `unreadable_notice_every` seconds in a group
room (a client sending many undecryptable events makes no spam) and every
`unreadable_notice_every_dm` seconds in a DM (a burst gets one notice, a resend that fails
again a little later gets its own). The limit lives in memory. Each event is claimed like any
other, so a replay after a restart does not repeat the notice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from nio import MatrixRoom, MegolmEvent

from bot.app import App
from bot.i18n import Translator
from bot.platforms.matrix import outbound
from bot.platforms.matrix.client import MatrixClient, MatrixError
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.messenger import MatrixMessenger
from bot.platforms.matrix.senders import claim_for_answer
from bot.platforms.ports import ChatRef, Screen, Tone

log = logging.getLogger(__name__)

#: A key request waits at most this long on 429s and connection errors (seconds).
KEY_REQUEST_WAIT = 10.0
#: Past this many remembered (room, person) pairs, the expired ones are forgotten.
MAX_REMEMBERED = 10_000


class NoticeLimit:
    """At most one notice per (room, person) every so many seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[tuple[str, str], float] = {}

    def allows(self, key: tuple[str, str]) -> bool:
        """Whether a notice may be sent for `key` now."""
        return self._clock() >= self._until.get(key, float("-inf"))

    def record(self, key: tuple[str, str], every: float) -> None:
        """A notice was sent for `key`: the next one waits `every` seconds."""
        now = self._clock()
        if len(self._until) >= MAX_REMEMBERED:
            self._until = {k: until for k, until in self._until.items() if until > now}
        self._until[key] = now + every


def dm_notice(t: Translator) -> Screen:
    """What a person reads in their DM after an undecryptable message."""
    text = t(
        "I could not read your last message: it was encrypted with a key my device has not "
        "received. Please send it again."
    )
    return Screen(text=text, tone=Tone.WARNING)


def room_notice(t: Translator, user_id: str, name: str) -> dict[str, Any]:
    """The same in a group room, addressed to the person (a mention)."""
    text = t(
        "{name}, I could not read your last message: it was encrypted with a key my device "
        "has not received. Please send it again.",
        name=outbound.MENTION,
    )
    return outbound.mention_content(text, user_id, name, Tone.WARNING)


class UnreadableMessages:
    """Key requests and "send it again" notices for undecryptable events."""

    def __init__(
        self, app: App, client: MatrixClient, messenger: MatrixMessenger, config: MatrixConfig
    ) -> None:
        self.app = app
        self.client = client
        self.messenger = messenger
        self.config = config
        self.limit = NoticeLimit()
        self.key_requests = 0  # observability, tests
        self.notices = 0

    async def handle(self, room: MatrixRoom, event: MegolmEvent, chat: ChatRef, name: str) -> None:
        """An undecryptable event from `event.sender` in a served room (`chat`)."""
        await self.request_key(event, room.room_id)
        key = (room.room_id, event.sender)
        if not self.limit.allows(key):
            return  # told a moment ago
        found = await claim_for_answer(self.app, event.event_id, event.sender)
        if found is None:
            return  # handled before a restart
        member, t = found
        if member is None and not chat.is_direct:
            return  # strangers in a group room are not answered
        try:
            if chat.is_direct:
                await self.messenger.send(chat, dm_notice(t))
            else:
                await self.messenger.send_content(room.room_id, room_notice(t, event.sender, name))
        except MatrixError as error:
            log.error("matrix: undecryptable event notice not delivered: %s", error)
            return
        self.limit.record(key, self._every(chat))
        self.notices += 1

    def _every(self, chat: ChatRef) -> float:
        if chat.is_direct:
            return self.config.unreadable_notice_every_dm
        return self.config.unreadable_notice_every

    async def request_key(self, event: MegolmEvent, room_id: str) -> None:
        """Ask for the event's room key, once per session; never raises."""
        nio = self.client.nio
        if nio.olm is None or not event.session_id:
            return
        if event.session_id in nio.outgoing_key_requests:
            return  # asked already (nio refuses a second request)
        event.room_id = event.room_id or room_id  # events read with /messages lack it
        try:
            await self.client.call(
                lambda: nio.request_room_key(event), "request_room_key", KEY_REQUEST_WAIT
            )
        except Exception as error:  # best effort: the notice matters more than the key
            log.warning("matrix: room key request failed: %r", error)
            return
        self.key_requests += 1
