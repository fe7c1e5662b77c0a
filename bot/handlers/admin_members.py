"""Admin: invitations, roster import, member list, roles, audit log."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from bot.core.errors import DomainError
from bot.handlers.args import looks_like_role, parse_count, parse_expiry, parse_role
from bot.handlers.context import Context
from bot.handlers.onboarding import role_label
from bot.i18n import N_, Translator
from bot.members.model import Role, RosterProblem
from bot.members.roster import parse_roster
from bot.platforms.ports import (
    Attachment,
    Command,
    FileInput,
    Interaction,
    Reply,
    Screen,
    Tone,
)

DEFAULT_INVITATION_LIFETIME = timedelta(days=30)
ROSTER_PROBLEMS = {
    "roster.line_no_name": N_("line {line}: the name is missing"),
    "roster.line_bad_name": N_("line {line}: the name is too long or has odd characters"),
    "roster.line_unknown_college": N_("line {line}: there is no collège “{college}”"),
    "roster.line_bad_role": N_("line {line}: “{role}” is not a role"),
    "roster.line_no_college": N_("line {line}: an associate needs a collège"),
}


def _command(ix: Interaction) -> Command:
    assert isinstance(ix.intent, Command)
    return ix.intent


async def invite(ix: Interaction, ctx: Context) -> Reply:
    """/invite COLLÈGE|- [ROLE] [USES] [EXPIRY]: create an invitation code."""
    actor = ctx.require_admin()
    t = ctx.t
    args = list(_command(ix).args)
    usage = t("{cmd} COLLÈGE [role] [uses] [expiry, e.g. 7d]", cmd=ctx.cmd("invite"))
    if not args or len(args) > 4:
        raise DomainError("error.bad_arguments", {"usage": usage})
    college_word = args.pop(0).lower()
    college_key = None if college_word in {"-", "none", "aucun"} else college_word
    role = Role.ASSOCIATE if college_key else Role.PARTICIPANT
    if args and looks_like_role(args[0]):
        role = parse_role(args.pop(0))
    uses = parse_count(args.pop(0)) if args and args[0].isdigit() else 1
    expires_in = (
        parse_expiry(args.pop(0), ctx.clock.now(), ctx.org.timezone)
        if args
        else DEFAULT_INVITATION_LIFETIME
    )
    if args:
        raise DomainError("error.bad_arguments", {"usage": usage})
    invitation = await ctx.members.invite(actor, college_key, role, uses, expires_in)
    assert invitation.expires_at is not None
    lines = [
        t("Invitation code: {code}", code=invitation.code),
        t("Role: {role}", role=role_label(t, invitation.role)),
    ]
    if college_key:
        lines.append(t("Collège: {college}", college=college_key))
    lines.append(t.plural("Can be used {n} time.", "Can be used {n} times.", uses))
    lines.append(t("Valid until {date}.", date=t.datetime(invitation.expires_at, "short")))
    lines.append("")
    lines.append(t("The person types: {command}", command=f"{ctx.cmd('start')} {invitation.code}"))
    return Reply.of(Screen(title=t("New invitation"), text="\n".join(lines), tone=Tone.SUCCESS))


async def roster(ix: Interaction, ctx: Context) -> Reply:
    """/roster import [PATH]: import a CSV (a file sent next, or a path in the shell)."""
    ctx.require_admin()
    command = _command(ix)
    t = ctx.t
    if not command.args or command.args[0].lower() not in {"import", "importer"}:
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('roster')} import"})
    if len(command.args) >= 2 and ctx.capabilities.local_files:
        path = Path(command.raw_args.split(None, 1)[1].strip())
        content = await asyncio.to_thread(_read_local_file, path)
        return await import_roster(ctx, content)
    from bot.storage.conversations import ConversationRepository

    member = ctx.require_admin()
    await ConversationRepository(ctx.uow.session).put(member.id, "roster", {}, ctx.clock.now())
    return Reply.of(
        Screen(
            text=t(
                "Send the roster as a CSV file now, with a header line: name, college, role, "
                "contact. One invitation is made per person."
            )
        )
    )


async def roster_file(ix: Interaction, ctx: Context) -> Reply:
    """A file sent by an admin is a roster."""
    ctx.require_admin()
    assert isinstance(ix.intent, FileInput)
    from bot.storage.conversations import ConversationRepository

    await ConversationRepository(ctx.uow.session).clear(ctx.require_admin().id)
    return await import_roster(ctx, ix.intent.content)


async def import_roster(ctx: Context, content: bytes) -> Reply:
    """Create one invitation per good line; report the bad lines; all or nothing per line."""
    actor = ctx.require_admin()
    t = ctx.t
    lines, problems = parse_roster(content, await ctx.members.statutes())
    rows = []
    for line in lines:
        invitation = await ctx.members.invite(
            actor,
            line.college_key,
            line.role,
            1,
            DEFAULT_INVITATION_LIFETIME,
            display_name=line.display_name,
            contact=line.contact,
        )
        rows.append(
            (
                line.display_name,
                line.college_key or "",
                line.role.value,
                line.contact or "",
                invitation.code,
            )
        )
    await ctx.members.log(
        actor,
        "roster.import",
        f"{len(rows)} invitations",
        {"created": len(rows), "problems": len(problems)},
    )
    text = [t.plural("{n} invitation created.", "{n} invitations created.", len(rows))]
    text += [f"{name} — {college or '-'} — {code}" for name, college, _, _, code in rows[:50]]
    if problems:
        text += ["", t.plural("{n} line was skipped:", "{n} lines were skipped:", len(problems))]
        text += [describe_problem(t, p) for p in problems[:50]]
    csv_out = "name,college,role,contact,code\n" + "".join(
        ",".join(_csv_cell(c) for c in row) + "\n" for row in rows
    )
    attachment = Attachment("invitations.csv", csv_out.encode(), "text/csv", t("Invitation codes"))
    tone = Tone.SUCCESS if not problems else Tone.WARNING
    return Reply.of(
        Screen(
            title=t("Roster import"),
            text="\n".join(text),
            attachments=(attachment,) if rows else (),
            tone=tone,
        )
    )


def _read_local_file(path: Path) -> bytes:
    if not path.is_file():
        raise DomainError("roster.file_not_found", {"path": str(path)[:200]})
    return path.read_bytes()


def describe_problem(t: Translator, problem: RosterProblem) -> str:
    """A skipped roster line, in words."""
    return t(
        ROSTER_PROBLEMS[problem.key],
        line=problem.line,
        **{k: str(v) for k, v in problem.params.items()},
    )


def _csv_cell(value: str) -> str:
    if value[:1] in {"=", "+", "-", "@"}:
        value = "'" + value
    if any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


async def members(ix: Interaction, ctx: Context) -> Reply:
    """/members [COLLÈGE]: list members."""
    actor = ctx.require_admin()
    t = ctx.t
    args = _command(ix).args
    college = args[0].lower() if args else None
    found = await ctx.members.list_members(actor, college)
    if not found:
        return Reply.of(Screen(text=t("No members yet.")))
    lines = [
        f"• {m.display_name} — {m.college_key or '-'} — "
        + ", ".join(role_label(t, r) for r in Role if r in m.roles)
        for m in found
    ]
    title = t.plural("{n} member", "{n} members", len(found))
    return Reply.of(Screen(title=title, text="\n".join(lines)))


async def role(ix: Interaction, ctx: Context) -> Reply:
    """/role grant|revoke NAME ROLE."""
    actor = ctx.require_admin()
    t = ctx.t
    args = _command(ix).args
    usage = t("{cmd} grant|revoke NAME ROLE", cmd=ctx.cmd("role"))
    if len(args) < 3 or args[0].lower() not in {"grant", "revoke", "donner", "retirer"}:
        raise DomainError("error.bad_arguments", {"usage": usage})
    new_role = parse_role(args[-1])
    target = await ctx.members.find_member(" ".join(args[1:-1]))
    granting = args[0].lower() in {"grant", "donner"}
    if granting:
        changed = await ctx.members.grant_role(actor, target, new_role)
        text = (
            t("{name} is now {role}.", name=target.display_name, role=role_label(t, new_role))
            if changed
            else t("{name} already has that role.", name=target.display_name)
        )
    else:
        changed = await ctx.members.revoke_role(actor, target, new_role)
        text = (
            t(
                "{name} is no longer {role}.",
                name=target.display_name,
                role=role_label(t, new_role),
            )
            if changed
            else t("{name} did not have that role.", name=target.display_name)
        )
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS if changed else Tone.INFO))


async def audit(ix: Interaction, ctx: Context) -> Reply:
    """/audit [N]: the latest admin actions."""
    actor = ctx.require_admin()
    t = ctx.t
    args = _command(ix).args
    if args and not (args[0].isdigit() and 1 <= int(args[0]) <= 100):
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('audit')} [1-100]"})
    limit = int(args[0]) if args else 20
    entries = await ctx.members.audit_entries(actor, limit)
    if not entries:
        return Reply.of(Screen(text=t("The audit log is empty.")))
    names = {m.id: m.display_name for m in await ctx.members.members.list_active(ctx.org.id)}
    lines = []
    for entry in entries:
        who = names.get(entry.actor_id, "—") if entry.actor_id else t("system")
        detail = json.dumps(entry.after, ensure_ascii=False)[:120] if entry.after else ""
        lines.append(
            f"{t.datetime(entry.at, 'short')} — {who} — {entry.action} "
            f"{entry.target} {detail}".rstrip()
        )
    return Reply.of(Screen(title=t("Audit log"), text="\n".join(lines)))
