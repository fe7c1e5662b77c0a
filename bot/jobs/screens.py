"""Composers: one per delivery kind, rendering a delivery for its recipient at send time.

A composer reads what it needs (the poll as it is *now*, the results) and says ``Skip`` when
the message has lost its point: the poll was cancelled, or the member answered since the
reminder was planned. A closed poll's results never change, so they are computed once per
poll and kept in a small cache (the chart images too), not once per recipient.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from bot.core.errors import DomainError
from bot.i18n import Translator
from bot.i18n.errors import describe_error
from bot.jobs import keys
from bot.members.model import Statutes
from bot.members.service import OrganisationInfo
from bot.platforms.ports import Attachment, Screen
from bot.polls import export
from bot.polls.ballot_box import BallotBox
from bot.polls.model import Poll, PollStatus
from bot.polls.repository import PollRepository
from bot.polls.results import PollResults, compute
from bot.rendering.digest import digest_screen
from bot.rendering.notices import (
    announcement_screen,
    failed_report_screen,
    open_failed_screen,
    reminder_screen,
    results_intro,
    turnout_screen,
    unreachable_report_screen,
)
from bot.rendering.polls import results_screen
from bot.scheduling.delivery import Composed, Composer, Recipient, Skip
from bot.scheduling.model import DELIVERY_FAILED, MEMBER_UNREACHABLE, Delivery
from bot.storage.poll_tables import ParticipationRow
from bot.storage.schedule_tables import ScheduledJobRow
from bot.storage.tables import MemberRow
from bot.storage.uow import UnitOfWork

MAX_LISTED = 30
CACHED_POLLS = 8
POLL_TTL = 5.0  # seconds


class Composers:
    """The composers of the application's delivery kinds, sharing a cache of results."""

    def __init__(self) -> None:
        self._results: OrderedDict[tuple[int, int], tuple[PollResults, Statutes]] = OrderedDict()
        self._screens: OrderedDict[tuple[Any, ...], Screen] = OrderedDict()
        self._recent = RecentPolls()

    def table(self) -> dict[str, Composer]:
        """Delivery kind -> composer."""
        return {
            keys.ANNOUNCEMENT: self.announcement,
            keys.CHAT_ANNOUNCEMENT: self.announcement,
            keys.REMINDER: self.reminder,
            keys.TURNOUT_ALERT: self.turnout,
            keys.RESULTS: self.results,
            keys.DIGEST_MESSAGE: self.digest,
            keys.UNREACHABLE_REPORT: self.unreachable,
            keys.FAILED_REPORT: self.failed,
            keys.ADMIN_NOTICE: self.notice,
        }

    # --- polls -------------------------------------------------------------------------------

    async def announcement(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """A poll opened (in a person's DM or in a group)."""
        poll = await self._recent.get(uow, r.organisation, d)
        if poll is None or poll.status is not PollStatus.OPEN:
            return Skip("the poll is not open")
        return [announcement_screen(r.t, poll, r.prefix, group=r.in_group)]

    async def reminder(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """A poll the member has not answered (checked again now)."""
        poll = await self._recent.get(uow, r.organisation, d)
        now = uow.clock.now()
        if poll is None or poll.status is not PollStatus.OPEN or not poll.accepting(now):
            return Skip("the poll is not open")
        answered = await uow.session.scalar(
            select(ParticipationRow.id).where(
                ParticipationRow.poll_id == poll.id, ParticipationRow.member_id == r.member_id
            )
        )
        if answered is not None:
            return Skip("the member has answered since")
        return [reminder_screen(r.t, poll, r.prefix, now)]

    async def turnout(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """Collèges below the quorum, for admins (numbers as computed by the job)."""
        poll = await _poll(uow, r.organisation, d)
        if poll is None or poll.status is not PollStatus.OPEN:
            return Skip("the poll is not open")
        statutes = await PollRepository(uow.session).statutes(
            r.organisation.id, poll.statutes_version
        )
        names = {c.key: c.name(r.t.language) for c in statutes.colleges}
        colleges = [
            (names.get(key, key) or r.t("without a collège"), int(voted), int(eligible))
            for key, voted, eligible in d.payload.get("colleges", [])
        ]
        quorum = Fraction(str(d.payload.get("quorum", "0")))
        return [turnout_screen(r.t, poll, quorum, colleges, r.prefix)]

    async def results(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """The results report: text and chart, plus the exports for admins and the board."""
        poll = await _poll(uow, r.organisation, d)
        if poll is None or poll.status not in (PollStatus.CLOSED, PollStatus.ARCHIVED):
            return Skip("the poll is not closed")
        exports = bool(d.payload.get("exports")) and r.is_staff
        key = ("results", poll.id, r.t.language, r.prefix, exports)
        cached = self._screens.get(key)
        if cached is None:
            outcome, statutes = await self._outcome(uow, poll)
            screen = results_screen(r.t, outcome, statutes)
            text = results_intro(r.t, poll, exports, r.prefix) + "\n\n" + screen.text
            attachments = list(screen.attachments)
            if exports:
                attachments += await _exports(uow, r.t, poll, outcome)
            cached = replace(screen, text=text, attachments=tuple(attachments))
            _remember(self._screens, key, cached)
        return [cached]

    async def _outcome(self, uow: UnitOfWork, poll: Poll) -> tuple[PollResults, Statutes]:
        key = (poll.organisation_id, poll.id)
        found = self._results.get(key)
        if found is None:
            polls, box = PollRepository(uow.session), BallotBox(uow.session)
            outcome = await compute(polls, box, poll, uow.clock.now())
            statutes = await polls.statutes(poll.organisation_id, outcome.statutes_version)
            found = (outcome, statutes)
            _remember(self._results, key, found)
        return found

    # --- the board and the admins --------------------------------------------------------

    async def digest(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """The board digest, in the member's language."""
        data = d.payload.get("digest")
        if not isinstance(data, Mapping):
            return Skip("empty digest")
        return [digest_screen(r.t, r.organisation.name, data, r.prefix)]

    async def unreachable(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """Members who became unreachable during the report's quarter of an hour."""
        rows = await _reported(uow, d, MEMBER_UNREACHABLE)
        ids = [int(payload.get("member_id", 0)) for payload in rows]
        names = await _names(uow, ids)
        listed = [names.get(m, f"#{m}") for m in ids[:MAX_LISTED]]
        if not listed:
            return Skip("nobody to report")
        return [unreachable_report_screen(r.t, listed, max(0, len(ids) - MAX_LISTED))]

    async def failed(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """Messages that failed for good during the report's quarter of an hour."""
        rows = await _reported(uow, d, DELIVERY_FAILED)
        names = await _names(uow, [int(p.get("member_id", 0)) for p in rows])
        items = [
            (names.get(int(p.get("member_id", 0)), "?"), str(p.get("delivery_kind", "")))
            for p in rows[:MAX_LISTED]
        ]
        if not items:
            return Skip("nothing to report")
        return [failed_report_screen(r.t, items, max(0, len(rows) - MAX_LISTED))]

    async def notice(self, uow: UnitOfWork, r: Recipient, d: Delivery) -> Composed:
        """A scheduled poll could not open, and why."""
        poll = await _poll(uow, r.organisation, d)
        error = DomainError(
            str(d.payload.get("error", "error.internal")), dict(d.payload.get("params") or {})
        )
        reason = describe_error(r.t, error, r.prefix)
        title = poll.title if poll is not None else ""
        return [open_failed_screen(r.t, int(d.payload.get("poll", 0)), title, reason)]


async def _poll(uow: UnitOfWork, org: OrganisationInfo, d: Delivery) -> Poll | None:
    poll_id = d.payload.get("poll")
    if not isinstance(poll_id, int):
        return None
    return await PollRepository(uow.session).get(org.id, poll_id)


class RecentPolls:
    """Polls read in the last few seconds: a fan-out to thousands reads its poll once in a
    while, not once per message. A poll closed or cancelled meanwhile is still caught: its
    reminders expire at the close and a cancel or an early close cancels them in the table."""

    def __init__(self, ttl: float = POLL_TTL) -> None:
        self.ttl = ttl
        self._polls: dict[tuple[int, int], tuple[Poll | None, float]] = {}

    async def get(self, uow: UnitOfWork, org: OrganisationInfo, d: Delivery) -> Poll | None:
        """The delivery's poll, as read at most ``ttl`` seconds ago."""
        poll_id = d.payload.get("poll")
        if not isinstance(poll_id, int):
            return None
        now = time.monotonic()
        found = self._polls.get((org.id, poll_id))
        if found is not None and now - found[1] < self.ttl:
            return found[0]
        poll = await _poll(uow, org, d)
        if len(self._polls) > 100:
            self._polls.clear()
        self._polls[(org.id, poll_id)] = (poll, now)
        return poll


async def _exports(
    uow: UnitOfWork, t: Translator, poll: Poll, outcome: PollResults
) -> list[Attachment]:
    """The ballots as CSV and the complete results as JSON."""
    box = BallotBox(uow.session)
    csv_text = await export.ballots_csv(uow.session, box, poll, t)
    report = json.dumps(outcome.to_json(), ensure_ascii=False, indent=2).encode()
    return [
        Attachment(
            f"poll-{poll.id}-ballots.csv",
            csv_text.encode("utf-8-sig"),
            "text/csv",
            t("Ballots (spreadsheet)"),
        ),
        Attachment(
            f"poll-{poll.id}-results.json", report, "application/json", t("Full results (JSON)")
        ),
    ]


async def _reported(uow: UnitOfWork, d: Delivery, kind: str) -> list[Mapping[str, Any]]:
    """Payloads of the report jobs of ``kind`` planned during the delivery's window."""
    since = datetime.fromisoformat(str(d.payload["since"]))
    until = datetime.fromisoformat(str(d.payload["until"]))
    rows = await uow.session.scalars(
        select(ScheduledJobRow.payload)
        .where(
            ScheduledJobRow.organisation_id == d.organisation_id,
            ScheduledJobRow.kind == kind,
            ScheduledJobRow.due_at >= since,
            ScheduledJobRow.due_at < until,
        )
        .order_by(ScheduledJobRow.id)
        .limit(1000)
    )
    return [payload or {} for payload in rows]


async def _names(uow: UnitOfWork, member_ids: Sequence[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await uow.session.execute(
        select(MemberRow.id, MemberRow.display_name).where(MemberRow.id.in_(set(member_ids)))
    )
    return {member_id: name for member_id, name in rows}


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHED_POLLS * 4:
        cache.popitem(last=False)
