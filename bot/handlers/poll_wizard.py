"""`/poll new` as a guided conversation: title, summary, kind, secrecy, closing, questions."""

from __future__ import annotations

from typing import Any

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.members.model import Member
from bot.platforms.ports import (
    Action,
    ActionInvoked,
    Button,
    Interaction,
    Reply,
    Screen,
    TextInput,
)
from bot.polls.answers import fold
from bot.polls.codec import spec_from_json, spec_to_json
from bot.polls.form import METHODS, read_time_in
from bot.polls.model import PollKind, PollSpec, Secrecy
from bot.polls.questions import QuestionMethod, new_question
from bot.polls.service import PollsService
from bot.rendering.polls import METHOD, poll_summary_screen
from bot.storage.conversations import ConversationRepository

KIND = "pollnew"
NONE_WORDS = {"-", "none", "aucun", "aucune", "non", "no", "rien"}
FINISH_WORDS = {"finish", "fin", "terminer", "termine", "terminé", "done", "ok"}


async def start_wizard(ctx: Context, actor: Member) -> Reply:
    """Begin the guided creation."""
    await _save(ctx, actor, {"step": "title", "spec": None, "question": None})
    t = ctx.t
    return Reply.of(
        Screen(
            title=t("New poll"),
            text=t(
                "What is the title of the poll? (Type {cancel} to stop at any time.)",
                cancel=ctx.cmd("cancel"),
            ),
        )
    )


async def _save(ctx: Context, actor: Member, state: dict[str, Any]) -> None:
    await ConversationRepository(ctx.uow.session).put(actor.id, KIND, state, ctx.clock.now())


async def _load(ctx: Context) -> tuple[Member, dict[str, Any]]:
    actor = ctx.require_admin()
    row = await ConversationRepository(ctx.uow.session).get(actor.id)
    if row is None or row.kind != KIND:
        raise DomainError("error.stale_button")
    return actor, dict(row.state)


def _spec(state: dict[str, Any]) -> PollSpec:
    return spec_from_json(state["spec"]) if state.get("spec") else PollSpec(title="")


async def typed(ix: Interaction, ctx: Context) -> Reply:
    """Text typed during the wizard answers the current step."""
    assert isinstance(ix.intent, TextInput)
    actor, state = await _load(ctx)
    return await _answer(ctx, actor, state, ix.intent.text.strip())


async def button(ix: Interaction, ctx: Context) -> Reply:
    """A wizard button: the chosen value for the current step."""
    assert isinstance(ix.intent, ActionInvoked)
    actor, state = await _load(ctx)
    args = ix.intent.action.args
    if len(args) != 2 or args[0] != state["step"]:
        raise DomainError("error.stale_button")
    return await _answer(ctx, actor, state, str(args[1]))


async def _answer(ctx: Context, actor: Member, state: dict[str, Any], text: str) -> Reply:
    from dataclasses import replace

    step = state["step"]
    spec = _spec(state)
    word = fold(text)
    if step == "title":
        spec = replace(spec, title=text)
        if not text or len(text) > 200:
            raise DomainError(
                "poll.title_empty" if not text else "poll.title_too_long", {"max": 200}
            )
        return await _next(ctx, actor, state, spec, "summary")
    if step == "summary":
        spec = replace(spec, summary="" if word in NONE_WORDS else text)
        return await _next(ctx, actor, state, spec, "kind")
    if step == "kind":
        kinds = {
            "consultation": PollKind.CONSULTATION,
            "1": PollKind.CONSULTATION,
            "deliberation": PollKind.DELIBERATION,
            "2": PollKind.DELIBERATION,
        }
        if word not in kinds:
            raise DomainError("form.bad_value", {"text": text[:40]})
        return await _next(ctx, actor, state, replace(spec, kind=kinds[word]), "secrecy")
    if step == "secrecy":
        choices = {
            "secret": Secrecy.SECRET,
            "1": Secrecy.SECRET,
            "nominative": Secrecy.NOMINATIVE,
            "nominatif": Secrecy.NOMINATIVE,
            "2": Secrecy.NOMINATIVE,
        }
        if word not in choices:
            raise DomainError("form.bad_value", {"text": text[:40]})
        return await _next(ctx, actor, state, replace(spec, secrecy=choices[word]), "closes")
    if step == "closes":
        closes = (
            None if word in NONE_WORDS else read_time_in(ctx.clock.now(), ctx.org.timezone)(text)
        )
        if closes is not None and closes <= ctx.clock.now():
            raise DomainError("form.closes_in_past")
        return await _next(ctx, actor, state, replace(spec, closes_at=closes), "method")
    if step == "method":
        if word in FINISH_WORDS:
            return await _finish(ctx, actor, spec)
        if word not in METHODS:
            raise DomainError(
                "form.bad_method", {"question": len(spec.questions) + 1, "text": text[:40]}
            )
        state["question"] = {"method": METHODS[word].value}
        return await _next(ctx, actor, state, spec, "prompt")
    if step == "prompt":
        question = dict(state["question"])
        question["prompt"] = text
        state["question"] = question
        method = QuestionMethod(question["method"])
        if method in (QuestionMethod.SCALE, QuestionMethod.FREE_TEXT):
            return await _add_question(ctx, actor, state, spec, [])
        return await _next(ctx, actor, state, spec, "options")
    if step == "options":
        parts = text.split("|") if "|" in text else text.splitlines()
        if len(parts) == 1:
            parts = text.split(",")
        return await _add_question(
            ctx, actor, state, spec, [p.strip() for p in parts if p.strip()]
        )
    raise DomainError("error.stale_button")


async def _add_question(
    ctx: Context, actor: Member, state: dict[str, Any], spec: PollSpec, options: list[str]
) -> Reply:
    from dataclasses import replace

    question = state["question"]
    position = len(spec.questions) + 1
    built = new_question(question["prompt"], question["method"], options, position=position)
    spec = replace(spec, questions=(*spec.questions, built))
    state["question"] = None
    return await _next(ctx, actor, state, spec, "method")


async def _next(
    ctx: Context, actor: Member, state: dict[str, Any], spec: PollSpec, step: str
) -> Reply:
    state["spec"] = spec_to_json(spec)
    state["step"] = step
    await _save(ctx, actor, state)
    return Reply.of(_prompt(ctx, step, spec))


def _prompt(ctx: Context, step: str, spec: PollSpec) -> Screen:
    t = ctx.t
    if step == "summary":
        return Screen(text=t("In one or two plain sentences, what is it about? (or “-”)"))
    if step == "kind":
        return Screen(
            text=t(
                "Is it a consultation (advisory, open to any member) or a deliberation "
                "(binding, associates only, weighted by collège)?"
            ),
            buttons=(
                (
                    Button(t("Consultation"), Action("pnew", (step, "consultation"))),
                    Button(t("Deliberation"), Action("pnew", (step, "deliberation"))),
                ),
            ),
        )
    if step == "secrecy":
        return Screen(
            text=t("Secret ballot (nobody can see who chose what) or open ballot (names kept)?"),
            buttons=(
                (
                    Button(t("Secret"), Action("pnew", (step, "secret"))),
                    Button(t("Open (names kept)"), Action("pnew", (step, "nominative"))),
                ),
            ),
        )
    if step == "closes":
        return Screen(
            text=t(
                "When does it close? For example 7d (in 7 days), "
                "2026-12-01 18:00, or “-” to close it by hand."
            )
        )
    if step == "prompt":
        return Screen(text=t("Type the question."))
    if step == "options":
        return Screen(
            text=t(
                "Type the choices, separated by | (for example: Yes | No | "
                "Later), or one per line."
            )
        )
    done = t.plural("{n} question so far.", "{n} questions so far.", len(spec.questions))
    methods = [
        QuestionMethod.SINGLE,
        QuestionMethod.MULTIPLE,
        QuestionMethod.RANKING,
        QuestionMethod.JUDGMENT,
        QuestionMethod.SCALE,
        QuestionMethod.FREE_TEXT,
    ]
    buttons = [(Button(t(METHOD[m]), Action("pnew", ("method", m.value))),) for m in methods]
    if spec.questions:
        buttons.append((Button(t("Finish"), Action("pnew", ("method", "finish"))),))
    return Screen(
        text=done + "\n" + t("What kind of question do you want to add?"), buttons=tuple(buttons)
    )


async def _finish(ctx: Context, actor: Member, spec: PollSpec) -> Reply:
    if not spec.questions:
        raise DomainError("form.no_questions")
    created = await PollsService(ctx.uow, ctx.org).create(actor, spec)
    await ConversationRepository(ctx.uow.session).clear(actor.id)
    t = ctx.t
    draft = Screen(
        text=t("Draft poll {n} created.", n=created.id),
        buttons=(
            (
                Button(t("Open now"), Action("popen", (created.id,))),
                Button(t("Cancel it"), Action("pcancel", (created.id,))),
            ),
        ),
    )
    return Reply.of(poll_summary_screen(t, created), draft)
