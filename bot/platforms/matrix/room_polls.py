"""Native room polls: a Parvis poll posted in a group room as an MSC3381 poll, its responses
recorded as real ballots, and a poll end event with the results once the poll is closed.

* **Posting**: `!poll post N`, typed by an administrator in a configured group room, posts
  poll N as `org.matrix.msc3381.poll.start` (the form Element renders). Only open, nominative
  consultations of one single- or multiple-choice question can be posted
  (`polls.postable_problem`); secret polls and deliberations are never answered with room
  events. The command has its own small router and dispatcher (same unit of work,
  deduplication, roles and error replies as every command); the post itself happens after
  that transaction, then the start event id is stored with the poll and question
  (`matrix_poll_events`).
* **Responses** (unstable and stable forms) are read in timeline order. In each run of
  responses only the latest valid one per sender and poll is kept (an earlier one would be
  replaced at once anyway). A response counts when its sender is a member (through their
  linked identity) eligible for the poll; it is then submitted with
  `PollsService.submit(..., platform="matrix")`, exactly like a ballot typed in a DM: one
  member, one ballot, the last one submitted wins, whatever the platform. Each response event
  is claimed once (`processed_events`), so a replay after a restart never counts an old
  answer again. Invalid responses (unknown answers, none, too few) are ignored and the previous
  ballot stays.
* **Closing**: no event tells the adapter that a poll was closed (by `!poll close`, another
  platform, or the scheduler), so a watcher looks for posted polls whose poll is no longer
  open: one small query every `room_poll_check` seconds, only while some posted poll is not
  ended, and at once after a `poll` command handled on Matrix. It then posts
  `org.matrix.msc3381.poll.end` carrying the results as text, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from bot.app import App
from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.handlers.dispatch import Dispatcher
from bot.handlers.router import Router
from bot.i18n import N_, Translator
from bot.members.model import Role
from bot.members.repository import MemberRepository
from bot.platforms.matrix import polls
from bot.platforms.matrix.client import MatrixError, MatrixUnavailable
from bot.platforms.matrix.config import MatrixConfig
from bot.platforms.matrix.inbound import PollAnswer
from bot.platforms.matrix.messenger import PLATFORM, MatrixMessenger
from bot.platforms.ports import Command, Intent, Interaction, Reply, Screen, Tone
from bot.polls import results
from bot.polls.model import Poll, PollStatus
from bot.polls.questions import Answer, Question
from bot.polls.service import PollsService
from bot.rendering.polls import results_screen
from bot.storage.matrix_tables import MatrixPollEventRow
from bot.storage.poll_tables import PollRow

log = logging.getLogger(__name__)

POLL_COMMANDS = frozenset({"poll", "sondage", "scrutin"})
POST_WORDS = frozenset({"post", "publier", "poster"})
ENDED_STATUSES = (PollStatus.CLOSED.value, PollStatus.ARCHIVED.value, PollStatus.CANCELLED.value)
#: The end event's text is cut here (Matrix events must stay under 64 KiB).
MAX_END_TEXT = 20_000
#: Unknown poll event ids remembered as such (responses to polls someone else posted).
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class PostedPoll:
    """A room poll the bot posted: where, and which poll question it asks."""

    event_id: str
    room_id: str
    poll: Poll
    question: Question


@dataclass(slots=True)
class RoomPollStats:
    """What happened to the responses handed over so far (observability, tests).

    Every response ends up in exactly one of `counted`, `superseded` and `ignored`.
    """

    received: int = 0
    counted: int = 0
    superseded: int = 0
    ignored: int = 0
    ended: int = 0

    @property
    def settled(self) -> int:
        """Responses whose fate is decided."""
        return self.counted + self.superseded + self.ignored


@dataclass(frozen=True, slots=True)
class PostPlan:
    """A `!poll post` accepted by its handler, to carry out once its transaction committed."""

    poll: Poll
    room_id: str
    member_id: int
    t: Translator


def is_post_command(intent: Intent | None) -> bool:
    """`!poll post N` (or `!sondage publier N`)."""
    return (
        isinstance(intent, Command)
        and intent.name in POLL_COMMANDS
        and bool(intent.args)
        and intent.args[0].lower() in POST_WORDS
    )


def is_poll_command(intent: Intent | None) -> bool:
    """Any `!poll ...` command (it may have closed a poll)."""
    return isinstance(intent, Command) and intent.name in POLL_COMMANDS


class RoomPolls:
    """Posting room polls, counting their responses, ending them."""

    def __init__(self, app: App, messenger: MatrixMessenger, config: MatrixConfig) -> None:
        self.app = app
        self.messenger = messenger
        self.config = config
        self.stats = RoomPollStats()
        self._posted: dict[str, PostedPoll | None] = {}
        self._unended: set[str] | None = None  # loaded on the first check
        self._wake = asyncio.Event()
        self._plans: dict[str, PostPlan] = {}  # by event key, until carried out
        router = Router()
        router.command(
            "poll",
            self._post_command,
            N_("post a poll in this Matrix room"),
            aliases=tuple(POLL_COMMANDS - {"poll"}),
            usage="post NUMBER",
            role=Role.ADMIN,
        )
        self.dispatcher = Dispatcher(app.db, router, app.dispatcher.organisation_slug, app.clock)

    # --- posting -----------------------------------------------------------------------------

    async def _post_command(self, ix: Interaction, ctx: Context) -> Reply:
        """`!poll post N`: check everything inside the command's unit of work."""
        assert isinstance(ix.intent, Command)
        actor = ctx.require_admin()
        args = ix.intent.args
        usage = f"{ctx.cmd('poll')} post NUMBER"
        if len(args) < 2 or not args[1].isdigit():
            raise DomainError("error.bad_arguments", {"usage": usage})
        t = ctx.t
        if ix.chat.is_direct or ix.chat.chat_key not in self.config.group_rooms:
            text = t(
                "Type {cmd} in the group room where the poll should appear.",
                cmd=f"{ctx.cmd('poll')} post {args[1]}",
            )
            return Reply.of(Screen(text=text, tone=Tone.WARNING))
        poll = await PollsService(ctx.uow, ctx.org).get(int(args[1]))
        problem = polls.postable_problem(poll)
        if problem is not None:
            text = t(problem, n=poll.id, vote=f"{ctx.cmd('vote')} {poll.id}")
            return Reply.of(Screen(text=text, tone=Tone.WARNING))
        already = await ctx.uow.session.scalar(
            select(MatrixPollEventRow.event_id).where(
                MatrixPollEventRow.room_id == ix.chat.chat_key,
                MatrixPollEventRow.poll_id == poll.id,
            )
        )
        if already is not None:
            text = t("Poll {n} is already in this room.", n=poll.id)
            return Reply.of(Screen(text=text, tone=Tone.WARNING))
        self._plans[ix.event_key] = PostPlan(poll, ix.chat.chat_key, actor.id, t)
        return Reply()

    async def run_post_command(self, ix: Interaction) -> Reply:
        """Handle `!poll post N` and, when it was accepted, post the poll."""
        reply = await self.dispatcher.handle(ix, self.messenger.capabilities)
        plan = self._plans.pop(ix.event_key, None)
        if plan is None:
            return reply
        t = plan.t
        try:
            await self.post(plan.poll, plan.room_id, plan.member_id)
        except MatrixError as error:
            log.error("matrix: room poll not posted: %s", error)
        except Exception:  # the room vanished from the client, a racing post of the same poll
            log.exception("matrix: room poll not posted")
        else:
            text = t(
                "Poll {n} is posted in this room. Members' answers there are their ballots; "
                "they can also answer in private with {vote}.",
                n=plan.poll.id,
                vote=f"!vote {plan.poll.id}",
            )
            return Reply.of(Screen(text=text, tone=Tone.SUCCESS))
        text = t("Poll {n} could not be posted in this room. Try again later.", n=plan.poll.id)
        return Reply.of(Screen(text=text, tone=Tone.ERROR))

    async def post(self, poll: Poll, room_id: str, member_id: int | None) -> str:
        """Post the poll's question in the room and remember the start event."""
        org = await self.app.dispatcher.organisation()
        t = Translator(org.language, org.timezone)
        question = poll.questions[0]
        note = t(
            "If your app does not show polls, answer in a private chat with me: {vote}",
            vote=f"!vote {poll.id}",
        )
        content = polls.poll_start(poll, question, note)
        event_id = await self.messenger.send_content(room_id, content, polls.START)
        async with self.app.db.uow() as uow:
            assert question.id is not None
            await uow.session.execute(
                insert(MatrixPollEventRow).values(
                    event_id=event_id,
                    room_id=room_id,
                    poll_id=poll.id,
                    question_id=question.id,
                    position=question.position,
                    posted_by=member_id,
                    posted_at=self.app.clock.now(),
                )
            )
            await uow.commit()
        self._posted[event_id] = PostedPoll(event_id, room_id, poll, question)
        if self._unended is not None:
            self._unended.add(event_id)
        log.info("matrix: poll posted in a room", extra={"poll": poll.id, "room": room_id})
        return event_id

    # --- responses ---------------------------------------------------------------------------

    async def responses(self, room_id: str, items: list[tuple[str, str, PollAnswer]]) -> None:
        """A run of consecutive responses `(event id, sender, answer)` of one room, in order."""
        self.stats.received += len(items)
        valid: list[tuple[tuple[str, str], tuple[str, PostedPoll, Answer]]] = []
        for event_id, sender, answer in items:
            posted = await self._lookup(answer.poll_event_id)
            chosen = None
            if posted is not None and posted.room_id == room_id and self.config.allows(sender):
                chosen = polls.selection(posted.question, answer.answer_ids)
            if posted is None or chosen is None:
                self.stats.ignored += 1
                continue
            valid.append(((sender, posted.event_id), (event_id, posted, chosen)))
        latest = polls.latest_by(valid)
        self.stats.superseded += len(valid) - len(latest)
        for (sender, _), (event_id, posted, chosen) in latest:
            if await self._record(sender, event_id, posted, chosen):
                self.stats.counted += 1
            else:
                self.stats.ignored += 1

    async def _record(self, sender: str, event_id: str, posted: PostedPoll, chosen: Any) -> bool:
        """Submit one response as the sender's ballot; False when it does not count."""
        org = await self.app.dispatcher.organisation()
        key = f"matrix:{event_id}"
        poll = posted.poll
        async with self.app.db.uow() as uow:
            if not await uow.claim_event(key):
                return False  # handled before a restart
            member = await MemberRepository(uow.session).by_identity(org.id, PLATFORM, sender)
            if (
                member is None
                or not poll.is_eligible(member)
                or not polls.accepts_room_ballots(poll)
            ):
                await uow.commit()
                log.info("matrix: room poll response ignored (not an eligible member)")
                return False
            try:
                await PollsService(uow, org).submit(
                    member, poll.id, {posted.question.position: chosen}, platform=PLATFORM
                )
            except DomainError as error:
                await uow.rollback()
                refused = error
            else:
                await uow.commit()
                return True
        log.info("matrix: room poll response refused: %s", refused.key)
        async with self.app.db.uow() as uow:
            await uow.claim_event(key)
            await uow.commit()
        return False

    async def _lookup(self, event_id: str) -> PostedPoll | None:
        if event_id in self._posted:
            return self._posted[event_id]
        found: PostedPoll | None = None
        org = await self.app.dispatcher.organisation()
        async with self.app.db.uow() as uow:
            row = await uow.session.get(MatrixPollEventRow, event_id)
            if row is not None:
                try:
                    poll = await PollsService(uow, org).get(row.poll_id)
                    found = PostedPoll(event_id, row.room_id, poll, poll.question(row.position))
                except DomainError:
                    found = None
        if len(self._posted) >= MAX_CACHED:
            self._posted = {k: v for k, v in self._posted.items() if v is not None}
        self._posted[event_id] = found
        return found

    # --- ending ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look for closed polls now (after a command that may have closed one)."""
        self._wake.set()

    async def watch(self, ready: asyncio.Event) -> None:
        """Post end events for closed polls until cancelled (starts once the sync is ready,
        so the bot knows which rooms are encrypted)."""
        await ready.wait()
        while True:
            try:
                await self.end_closed()
            except MatrixUnavailable as error:
                log.warning("matrix: room poll ends delayed: %s", error)
            except Exception:
                log.exception("matrix: checking closed room polls failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.config.room_poll_check)
            self._wake.clear()

    async def end_closed(self) -> int:
        """Post the end event of every posted poll whose poll is over; how many were ended."""
        if self._unended is None:
            async with self.app.db.uow() as uow:
                found = await uow.session.scalars(
                    select(MatrixPollEventRow.event_id).where(
                        MatrixPollEventRow.ended_at.is_(None)
                    )
                )
                self._unended = set(found)
        if not self._unended:
            return 0
        async with self.app.db.uow() as uow:
            rows = (
                await uow.session.execute(
                    select(
                        MatrixPollEventRow.event_id,
                        MatrixPollEventRow.room_id,
                        MatrixPollEventRow.poll_id,
                    )
                    .join(PollRow, PollRow.id == MatrixPollEventRow.poll_id)
                    .where(
                        MatrixPollEventRow.ended_at.is_(None),
                        PollRow.status.in_(ENDED_STATUSES),
                    )
                )
            ).all()
        ended = 0
        for event_id, room_id, poll_id in rows:
            text = await self.end_text(poll_id)
            end_event_id: str | None = None
            try:
                end_event_id = await self.messenger.send_content(
                    room_id, polls.end_content(event_id, text[:MAX_END_TEXT]), polls.END
                )
            except MatrixUnavailable:
                raise
            except MatrixError as error:  # the bot left the room, or may not post there
                log.warning("matrix: room poll end not posted: %s", error)
            async with self.app.db.uow() as uow:
                await uow.session.execute(
                    update(MatrixPollEventRow)
                    .where(MatrixPollEventRow.event_id == event_id)
                    .values(end_event_id=end_event_id, ended_at=self.app.clock.now())
                )
                await uow.commit()
            self._unended.discard(event_id)
            self.stats.ended += 1
            ended += 1
        return ended

    async def end_text(self, poll_id: int) -> str:
        """The results as text, in the organisation's language (what the end event says)."""
        org = await self.app.dispatcher.organisation()
        t = Translator(org.language, org.timezone)
        async with self.app.db.uow() as uow:
            service = PollsService(uow, org)
            poll = await service.get(poll_id)
            if poll.status is PollStatus.CANCELLED:
                return t("Poll {n} was cancelled: its answers are not counted.", n=poll.id)
            outcome = await results.compute(service.polls, service.box, poll, service.now)
            statutes = await service.polls.statutes(org.id, outcome.statutes_version)
        screen = results_screen(t, outcome, statutes, with_chart=False)
        return f"{screen.title}\n\n{screen.text}"
