"""Answering a poll as a conversation: one question at a time, review, submit."""

from __future__ import annotations

from bot.core.errors import DomainError
from bot.handlers.ballot_state import KIND, REVIEW, BallotState
from bot.handlers.context import Context
from bot.members.model import Member
from bot.platforms.ports import (
    Action,
    ActionInvoked,
    Button,
    Command,
    Interaction,
    Reply,
    Screen,
    TextInput,
)
from bot.polls.answers import fold, parse_answer
from bot.polls.model import Poll
from bot.polls.questions import Question, QuestionMethod
from bot.polls.service import PollsService
from bot.polls.views import AnswerStatus
from bot.rendering.ballot import question_screen, review_screen, submitted_screen
from bot.storage.conversations import ConversationRepository

BACK_WORDS = {"back", "retour", "precedent", "précédent"}
SKIP_WORDS = {"skip", "passer", "suivant"}
SEND_WORDS = {"send", "envoyer", "valider", "submit", "voter"}
DONE_WORDS = {"ok", "done", "fini", "terminé", "termine", "confirmer", "valider"}
UNDO_WORDS = {"undo", "defaire", "défaire", "effacer"}


def _service(ctx: Context) -> PollsService:
    return PollsService(ctx.uow, ctx.org)


async def polls_list(ix: Interaction, ctx: Context) -> Reply:
    """/polls: the open polls this person may answer, with their status."""
    member = ctx.require_member()
    t = ctx.t
    found = await _service(ctx).polls_for(member)
    if not found:
        return Reply.of(Screen(text=t("There is no open poll for you at the moment.")))
    lines: list[str] = []
    buttons = []
    for item in found:
        poll = item.poll
        if item.status is AnswerStatus.ANSWERED:
            if item.changeable_until is not None:
                status = t(
                    "answered — you can change it until {date}",
                    date=t.datetime(item.changeable_until, "short"),
                )
            else:
                status = t("answered — you can change it until the poll closes")
            label = t("Change my answer to {n}", n=poll.id)
        else:
            status = t("not answered yet")
            if item.changeable_until is not None:
                status += " — " + t(
                    "closes {date}", date=t.datetime(item.changeable_until, "short")
                )
            label = t("Answer {n}", n=poll.id)
        lines.append(f"{poll.id}. {poll.title} ({status})")
        if poll.spec.summary:
            lines.append(f"   {poll.spec.summary}")
        buttons.append((Button(label, Action("ans", (poll.id,))),))
    lines += [
        "",
        t(
            "Press a button, or type {command} followed by the poll number.",
            command=ctx.cmd("vote"),
        ),
    ]
    return Reply.of(Screen(title=t("Open polls"), text="\n".join(lines), buttons=tuple(buttons)))


async def vote_command(ix: Interaction, ctx: Context) -> Reply:
    """/vote [ID]: answer a poll (the only open one when no number is given)."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    args = ix.intent.args
    if args:
        if not args[0].isdigit():
            raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('vote')} NUMBER"})
        return await _start(ctx, member, int(args[0]))
    found = await _service(ctx).polls_for(member)
    if len(found) == 1:
        return await _start(ctx, member, found[0].poll.id)
    return await polls_list(ix, ctx)


async def start_button(ix: Interaction, ctx: Context) -> Reply:
    """The “Answer” button of a poll."""
    member = ctx.require_member()
    return await _start(ctx, member, _int_arg(ix, 0))


async def _start(ctx: Context, member: Member, poll_id: int) -> Reply:
    service = _service(ctx)
    poll = await service.answerable(member, poll_id)
    mine = await service.my_ballot(member, poll_id)
    state = BallotState(poll.id, poll.questions[0].position, dict(mine.answers) if mine else {})
    intro = Screen(title=poll.title, text=_intro(ctx, poll))
    return Reply.of(intro, await _show(ctx, member, poll, state))


def _intro(ctx: Context, poll: Poll) -> str:
    t = ctx.t
    parts = []
    if poll.spec.summary:
        parts.append(poll.spec.summary)
    parts.append(t.plural("{n} question.", "{n} questions.", len(poll.questions)))
    if poll.is_secret:
        parts.append(t("Secret vote: your choices are never linked to your name."))
    else:
        parts.append(t("Open vote: your answers are recorded with your name."))
    parts.append(
        t(
            "Type {cancel} at any time to stop; nothing is sent before the review.",
            cancel=ctx.cmd("cancel"),
        )
    )
    return "\n".join(parts)


async def _show(ctx: Context, member: Member, poll: Poll, state: BallotState) -> Screen:
    await ConversationRepository(ctx.uow.session).put(
        member.id, KIND, state.to_json(), ctx.clock.now()
    )
    if state.step == REVIEW:
        return review_screen(ctx.t, poll, state.answers)
    question = poll.question(state.step)
    return question_screen(
        ctx.t,
        poll,
        question,
        state.draft,
        state.answers.get(question.position),
        question.position in state.answers,
        bool(state.history),
    )


async def _state(ctx: Context, member: Member, poll_id: int | None) -> tuple[Poll, BallotState]:
    row = await ConversationRepository(ctx.uow.session).get(member.id)
    if row is None or row.kind != KIND:
        raise DomainError("error.stale_button")
    stored_poll = int(row.state.get("poll", 0))
    if poll_id is not None and stored_poll != poll_id:
        raise DomainError("error.stale_button")
    poll = await _service(ctx).answerable(member, stored_poll, remembered=True)
    return poll, BallotState.from_json(row.state, poll.questions)


def _int_arg(ix: Interaction, index: int) -> int:
    assert isinstance(ix.intent, ActionInvoked)
    args = ix.intent.action.args
    if len(args) <= index or not isinstance(args[index], int):
        raise DomainError("error.stale_button")
    value = args[index]
    assert isinstance(value, int)
    return value


async def _question_action(
    ix: Interaction, ctx: Context
) -> tuple[Member, Poll, BallotState, Question]:
    member = ctx.require_member()
    poll, state = await _state(ctx, member, _int_arg(ix, 0))
    if state.step != _int_arg(ix, 1):
        raise DomainError("error.stale_button")
    return member, poll, state, poll.question(state.step)


def _advance(poll: Poll, state: BallotState) -> None:
    """Next question on the first pass; back to the review after a change made from it."""
    came_from_review = REVIEW in state.history
    state.history.append(state.step)
    state.draft = None
    later = [q.position for q in poll.questions if q.position > state.step]
    state.step = later[0] if later and state.step != REVIEW and not came_from_review else REVIEW


async def _answered(
    ctx: Context,
    member: Member,
    poll: Poll,
    state: BallotState,
    question: Question,
    answer: object,
) -> Reply:
    state.answers[question.position] = question.check_answer(answer)
    _advance(poll, state)
    return Reply.of(await _show(ctx, member, poll, state))


async def pick(ix: Interaction, ctx: Context) -> Reply:
    """Single choice: one press answers."""
    member, poll, state, question = await _question_action(ix, ctx)
    number = _int_arg(ix, 2)
    if not 1 <= number <= len(question.options):
        raise DomainError("error.stale_button")
    return await _answered(ctx, member, poll, state, question, question.options[number - 1].key)


async def toggle(ix: Interaction, ctx: Context) -> Reply:
    """Multiple choice: a press toggles an option (✓)."""
    member, poll, state, question = await _question_action(ix, ctx)
    number = _int_arg(ix, 2)
    if not 1 <= number <= len(question.options):
        raise DomainError("error.stale_button")
    chosen = list(state.draft or _current_keys(state, question))
    key = question.options[number - 1].key
    if key in chosen:
        chosen.remove(key)
    elif len(chosen) >= question.max_selections:
        raise DomainError("answer.too_many_choices", {"max": question.max_selections})
    else:
        chosen.append(key)
    state.draft = chosen
    return Reply.of(await _show(ctx, member, poll, state))


def _current_keys(state: BallotState, question: Question) -> list[str]:
    current = state.answers.get(question.position)
    return list(current) if isinstance(current, tuple) else []


async def rank(ix: Interaction, ctx: Context) -> Reply:
    """Ranking: each press takes the next place."""
    member, poll, state, question = await _question_action(ix, ctx)
    number = _int_arg(ix, 2)
    if not 1 <= number <= len(question.options):
        raise DomainError("error.stale_button")
    picked = list(state.draft or [])
    key = question.options[number - 1].key
    if key not in picked:
        picked.append(key)
    state.draft = picked
    if len(picked) == len(question.options):
        return await _answered(ctx, member, poll, state, question, tuple(picked))
    return Reply.of(await _show(ctx, member, poll, state))


async def grade(ix: Interaction, ctx: Context) -> Reply:
    """Majority judgment: a grade for the next ungraded option."""
    member, poll, state, question = await _question_action(ix, ctx)
    number = _int_arg(ix, 2)
    if not 1 <= number <= len(question.grades):
        raise DomainError("error.stale_button")
    return await _grade_next(ctx, member, poll, state, question, question.grades[number - 1])


async def _grade_next(
    ctx: Context, member: Member, poll: Poll, state: BallotState, question: Question, chosen: str
) -> Reply:
    graded = dict(state.draft or {})
    remaining = [o.key for o in question.options if o.key not in graded]
    graded[remaining[0]] = chosen
    state.draft = graded
    if len(graded) == len(question.options):
        return await _answered(ctx, member, poll, state, question, graded)
    return Reply.of(await _show(ctx, member, poll, state))


async def value(ix: Interaction, ctx: Context) -> Reply:
    """Scale: a value button."""
    member, poll, state, question = await _question_action(ix, ctx)
    return await _answered(ctx, member, poll, state, question, _int_arg(ix, 2))


async def done(ix: Interaction, ctx: Context) -> Reply:
    """Confirm the toggled choices (multiple) or the order so far (ranking)."""
    member, poll, state, question = await _question_action(ix, ctx)
    return await _confirm_draft(ctx, member, poll, state, question)


async def _confirm_draft(
    ctx: Context, member: Member, poll: Poll, state: BallotState, question: Question
) -> Reply:
    if question.method is QuestionMethod.MULTIPLE:
        chosen = state.draft if state.draft is not None else _current_keys(state, question)
        return await _answered(ctx, member, poll, state, question, tuple(chosen))
    if question.method is QuestionMethod.RANKING and state.draft:
        return await _answered(ctx, member, poll, state, question, tuple(state.draft))
    raise DomainError("answer.empty")


async def undo(ix: Interaction, ctx: Context) -> Reply:
    """Take back the last pick (ranking) or grade (judgment)."""
    member, poll, state, _ = await _question_action(ix, ctx)
    return await _undo(ctx, member, poll, state)


async def _undo(ctx: Context, member: Member, poll: Poll, state: BallotState) -> Reply:
    if isinstance(state.draft, list) and state.draft:
        state.draft = state.draft[:-1]
    elif isinstance(state.draft, dict) and state.draft:
        state.draft = dict(list(state.draft.items())[:-1])
    return Reply.of(await _show(ctx, member, poll, state))


async def blank(ix: Interaction, ctx: Context) -> Reply:
    """An explicit blank vote for this question."""
    member, poll, state, question = await _question_action(ix, ctx)
    return await _answered(ctx, member, poll, state, question, None)


async def skip(ix: Interaction, ctx: Context) -> Reply:
    """Leave an optional question unanswered."""
    member, poll, state, question = await _question_action(ix, ctx)
    return await _skip(ctx, member, poll, state, question)


async def _skip(
    ctx: Context, member: Member, poll: Poll, state: BallotState, question: Question
) -> Reply:
    if not question.optional:
        raise DomainError("ballot.missing_answer", {"question": question.position})
    state.answers.pop(question.position, None)
    _advance(poll, state)
    return Reply.of(await _show(ctx, member, poll, state))


async def back(ix: Interaction, ctx: Context) -> Reply:
    """Go back to the previous step."""
    member, poll, state, _ = await _question_action(ix, ctx)
    return await _back(ctx, member, poll, state)


async def _back(ctx: Context, member: Member, poll: Poll, state: BallotState) -> Reply:
    if state.history:
        state.step = state.history.pop()
    state.draft = None
    return Reply.of(await _show(ctx, member, poll, state))


async def goto(ix: Interaction, ctx: Context) -> Reply:
    """From the review, change one question."""
    member = ctx.require_member()
    poll, state = await _state(ctx, member, _int_arg(ix, 0))
    return await _goto(ctx, member, poll, state, _int_arg(ix, 1))


async def _goto(
    ctx: Context, member: Member, poll: Poll, state: BallotState, position: int
) -> Reply:
    poll.question(position)
    state.history.append(state.step)
    state.step = position
    state.draft = None
    return Reply.of(await _show(ctx, member, poll, state))


async def submit(ix: Interaction, ctx: Context) -> Reply:
    """Send the whole ballot at once."""
    member = ctx.require_member()
    poll, state = await _state(ctx, member, _int_arg(ix, 0))
    return await _submit(ctx, member, poll, state, ix.actor.platform)


async def _submit(
    ctx: Context, member: Member, poll: Poll, state: BallotState, platform: str
) -> Reply:
    if state.step != REVIEW:
        raise DomainError("error.stale_button")
    done_ = await _service(ctx).submit(member, poll.id, state.answers, platform)
    await ConversationRepository(ctx.uow.session).clear(member.id)
    screen = submitted_screen(ctx.t, poll, done_.receipt, done_.replaced, done_.changeable_until)
    return Reply(screens=(screen,), notice=ctx.t("Ballot recorded."))


async def typed(ix: Interaction, ctx: Context) -> Reply:
    """Text typed during the conversation: an answer, or a word such as back, skip, send."""
    assert isinstance(ix.intent, TextInput)
    member = ctx.require_member()
    poll, state = await _state(ctx, member, None)
    text = ix.intent.text.strip()
    word = fold(text)
    if word in BACK_WORDS:
        return await _back(ctx, member, poll, state)
    if state.step == REVIEW:
        if word in SEND_WORDS or word in DONE_WORDS:
            return await _submit(ctx, member, poll, state, ix.actor.platform)
        if text.isdigit():
            return await _goto(ctx, member, poll, state, int(text))
        raise DomainError("ballot.review_hint")
    question = poll.question(state.step)
    if word in SKIP_WORDS:
        return await _skip(ctx, member, poll, state, question)
    if question.method is not QuestionMethod.FREE_TEXT:
        if word in UNDO_WORDS:
            return await _undo(ctx, member, poll, state)
        if word in DONE_WORDS:
            return await _confirm_draft(ctx, member, poll, state, question)
        if question.method is QuestionMethod.JUDGMENT and state.draft is not None:
            single = _single_grade(question, text)
            if single is not None:
                return await _grade_next(ctx, member, poll, state, question, single)
        if question.method is QuestionMethod.JUDGMENT and state.draft is None:
            single = _single_grade(question, text)
            if single is not None and len(question.options) > 1:
                return await _grade_next(ctx, member, poll, state, question, single)
    return await _answered(ctx, member, poll, state, question, parse_answer(question, text))


def _single_grade(question: Question, text: str) -> str | None:
    """One grade typed alone (a number or a grade name) during the grade-by-option steps."""
    if text.isdigit() and 1 <= int(text) <= len(question.grades):
        return question.grades[int(text) - 1]
    for grade_name in question.grades:
        if fold(grade_name) == fold(text):
            return grade_name
    return None
