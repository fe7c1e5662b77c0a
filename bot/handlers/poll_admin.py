"""Admin: `/poll new|edit|show|open|close|cancel|archive|schedule|list|results|export`."""

from __future__ import annotations

import csv
import io
from collections import Counter

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.handlers.poll_wizard import start_wizard
from bot.jobs.planning import plan_poll_jobs
from bot.members.model import Member
from bot.platforms.ports import (
    Action,
    Attachment,
    Button,
    Command,
    Interaction,
    Reply,
    Screen,
    Tone,
)
from bot.polls.form import parse_form, read_time_in
from bot.polls.model import PollStatus
from bot.polls.service import PollsService
from bot.rendering.polls import json_attachment, poll_summary_screen, results_screen, status_label

SUBCOMMANDS = {
    "new": "new",
    "nouveau": "new",
    "nouvelle": "new",
    "creer": "new",
    "créer": "new",
    "edit": "edit",
    "modifier": "edit",
    "show": "show",
    "voir": "show",
    "open": "open",
    "ouvrir": "open",
    "close": "close",
    "clore": "close",
    "fermer": "close",
    "cancel": "cancel",
    "annuler": "cancel",
    "archive": "archive",
    "archiver": "archive",
    "schedule": "schedule",
    "programmer": "schedule",
    "unschedule": "unschedule",
    "deprogrammer": "unschedule",
    "déprogrammer": "unschedule",
    "list": "list",
    "liste": "list",
    "results": "results",
    "resultats": "results",
    "résultats": "results",
    "export": "export",
    "exporter": "export",
}


def _service(ctx: Context) -> PollsService:
    return PollsService(ctx.uow, ctx.org)


def _usage(ctx: Context) -> str:
    return ctx.t(
        "{cmd} new · {cmd} list · {cmd} show|open|close|cancel|archive|unschedule|results|"
        "export NUMBER · {cmd} edit NUMBER FIELDS · {cmd} schedule NUMBER WHEN",
        cmd=ctx.cmd("poll"),
    )


async def poll(ix: Interaction, ctx: Context) -> Reply:
    """The `/poll` command family (admins)."""
    assert isinstance(ix.intent, Command)
    actor = ctx.require_admin()
    raw = ix.intent.raw_args
    word, _, rest = raw.strip().partition(" ")
    if "\n" in word:
        word, _, more = word.partition("\n")
        rest = more + "\n" + rest
    sub = SUBCOMMANDS.get(word.lower())
    if sub is None:
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)})
    if sub == "new":
        if not rest.strip():
            return await start_wizard(ctx, actor)
        return await _create(ctx, actor, rest)
    if sub == "list":
        return await _list(ctx, actor)
    number, _, tail = rest.strip().partition(" ")
    if not number.isdigit():
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)})
    poll_id = int(number)
    if sub == "edit":
        return await _edit(ctx, actor, poll_id, tail)
    if sub == "schedule":
        return await _schedule(ctx, actor, poll_id, tail)
    if sub == "show":
        return Reply.of(poll_summary_screen(ctx.t, await _service(ctx).get(poll_id)))
    if sub == "results":
        return await show_results(ctx, actor, poll_id)
    if sub == "export":
        return await _export(ctx, actor, poll_id)
    return await move(ctx, actor, poll_id, sub)


async def _create(ctx: Context, actor: Member, form: str) -> Reply:
    spec = parse_form(form, read_time_in(ctx.clock.now(), ctx.org.timezone))
    created = await _service(ctx).create(actor, spec)
    return Reply.of(
        _draft_screen(ctx, created.id, ctx.t("Draft poll {n} created.", n=created.id)),
        poll_summary_screen(ctx.t, created),
    )


def _draft_screen(ctx: Context, poll_id: int, text: str) -> Screen:
    t = ctx.t
    return Screen(
        text=text
        + "\n"
        + t("Open it now, or change it with {cmd}.", cmd=f"{ctx.cmd('poll')} edit {poll_id} …"),
        buttons=(
            (
                Button(t("Open now"), Action("popen", (poll_id,))),
                Button(t("Cancel it"), Action("pcancel", (poll_id,))),
            ),
        ),
        tone=Tone.SUCCESS,
    )


async def _edit(ctx: Context, actor: Member, poll_id: int, form: str) -> Reply:
    if not form.strip():
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)})
    service = _service(ctx)
    current = await service.get(poll_id)
    current.check_editable()
    spec = parse_form(form, read_time_in(ctx.clock.now(), ctx.org.timezone), current.spec)
    edited = await service.edit(actor, poll_id, spec)
    return Reply.of(poll_summary_screen(ctx.t, edited))


async def _schedule(ctx: Context, actor: Member, poll_id: int, when: str) -> Reply:
    read = read_time_in(ctx.clock.now(), ctx.org.timezone)
    parts = when.split(" to ") if " to " in when else when.split(" au ")
    if not when.strip():
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)})
    opens = read(parts[0])
    closes = read(parts[1]) if len(parts) > 1 else None
    scheduled = await _service(ctx).schedule(actor, poll_id, opens, closes)
    await plan_poll_jobs(ctx.uow, scheduled)
    ctx.wake_scheduler()
    return Reply.of(
        Screen(
            text=ctx.t(
                "Poll {n} will open on {date}.",
                n=scheduled.id,
                date=ctx.t.datetime(opens, "short"),
            ),
            tone=Tone.SUCCESS,
        )
    )


async def _list(ctx: Context, actor: Member) -> Reply:
    t = ctx.t
    found = await _service(ctx).list_polls(actor)
    if not found:
        return Reply.of(
            Screen(text=t("No polls yet. Create one with {cmd}.", cmd=f"{ctx.cmd('poll')} new"))
        )
    lines = [
        f"{item.poll.id}. {item.poll.title} — {status_label(t, item.poll.status)} — "
        + t.plural("{n} ballot", "{n} ballots", item.voted)
        for item in found
    ]
    return Reply.of(Screen(title=t("Polls"), text="\n".join(lines)))


MOVES = {
    "open": ("open", PollStatus.OPEN),
    "close": ("close", PollStatus.CLOSED),
    "cancel": ("cancel", PollStatus.CANCELLED),
    "archive": ("archive", PollStatus.ARCHIVED),
    "unschedule": ("unschedule", PollStatus.DRAFT),
}


async def move(ctx: Context, actor: Member, poll_id: int, sub: str) -> Reply:
    """Open, close, cancel or archive a poll."""
    service = _service(ctx)
    method = getattr(service, MOVES[sub][0])
    moved = await method(actor, poll_id)
    await plan_poll_jobs(ctx.uow, moved)  # announce, remind, report, or cancel what is planned
    ctx.wake_scheduler()
    t = ctx.t
    text = t("Poll {n} is now {status}.", n=moved.id, status=status_label(t, moved.status))
    if moved.status is PollStatus.CLOSED and moved.is_secret:
        text += "\n" + t("The secret key is erased: ballots can no longer be linked to anyone.")
    if moved.status is PollStatus.CLOSED:
        return Reply.of(
            Screen(text=text, tone=Tone.SUCCESS),
            *(await show_results(ctx, actor, moved.id)).screens,
        )
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS))


async def open_button(ix: Interaction, ctx: Context) -> Reply:
    """The “Open now” button under a new draft."""
    return await move(ctx, ctx.require_admin(), _poll_arg(ix), "open")


async def cancel_button(ix: Interaction, ctx: Context) -> Reply:
    """The “Cancel it” button under a new draft."""
    return await move(ctx, ctx.require_admin(), _poll_arg(ix), "cancel")


def _poll_arg(ix: Interaction) -> int:
    from bot.platforms.ports import ActionInvoked

    assert isinstance(ix.intent, ActionInvoked)
    args = ix.intent.action.args
    if not args or not isinstance(args[0], int):
        raise DomainError("error.stale_button")
    return args[0]


async def show_results(ctx: Context, viewer: Member, poll_id: int) -> Reply:
    """Results as the viewer may see them."""
    service = _service(ctx)
    outcome = await service.results(viewer, poll_id)
    statutes = await service.polls.statutes(ctx.org.id, outcome.statutes_version)
    return Reply.of(results_screen(ctx.t, outcome, statutes))


async def results_command(ix: Interaction, ctx: Context) -> Reply:
    """/results NUMBER: results of a poll, when its visibility allows."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    args = ix.intent.args
    if not args or not args[0].isdigit():
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('results')} NUMBER"})
    return await show_results(ctx, member, int(args[0]))


async def _export(ctx: Context, actor: Member, poll_id: int) -> Reply:
    service = _service(ctx)
    documents = await service.export_recount(actor, poll_id)
    csv_text = await service.export_csv(actor, poll_id, ctx.t)
    attachments: list[Attachment] = [
        Attachment(
            f"poll-{poll_id}-ballots.csv",
            csv_text.encode("utf-8-sig"),
            "text/csv",
            ctx.t("Ballots (spreadsheet)"),
        )
    ]
    attachments += [
        json_attachment(
            doc.filename, doc.document, ctx.t("Recount file of question {n}", n=doc.position)
        )
        for doc in documents
    ]
    text = ctx.t("Check any result independently with: parvis tally FILE.json")
    return Reply.of(
        Screen(
            title=ctx.t("Export of poll {n}", n=poll_id), text=text, attachments=tuple(attachments)
        )
    )


async def ballots_command(ix: Interaction, ctx: Context) -> Reply:
    """/ballots NUMBER: the published list of a closed secret poll (receipts and answers)."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    args = ix.intent.args
    if not args or not args[0].isdigit():
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('ballots')} NUMBER"})
    service = _service(ctx)
    poll_id = int(args[0])
    published = await service.published_ballots(member, poll_id)
    target = await service.get(poll_id)
    from bot.rendering.ballot import answer_text

    threshold = (await service.statutes()).privacy_threshold
    sizes = Counter(ballot.college_key for ballot in published)
    rows = [
        (
            ballot.receipt,
            ballot.college_key
            if sizes[ballot.college_key] >= threshold and ballot.college_key
            else "-",
            "; ".join(
                answer_text(ctx.t, q, ballot.answers[q.position])
                for q in target.questions
                if q.position in ballot.answers
            ),
        )
        for ballot in published
    ]
    lines = [" — ".join(row) for row in rows]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([("receipt", "college", "answers"), *rows])
    csv_rows = buffer.getvalue()
    return Reply.of(
        Screen(
            title=ctx.t("Published ballots of poll {n}", n=poll_id),
            text=ctx.t("Find your receipt code to check that your ballot was counted as cast.")
            + "\n\n"
            + "\n".join(lines[:200]),
            attachments=(
                Attachment(
                    f"poll-{poll_id}-receipts.csv",
                    csv_rows.encode(),
                    "text/csv",
                    ctx.t("Published ballots"),
                ),
            ),
        )
    )
