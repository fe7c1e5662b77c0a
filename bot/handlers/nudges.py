"""Admin: `/remind N` (a reminder now), `/digest preview|send`, `/announce here|off`."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.jobs import keys
from bot.jobs.audience import ids_with_roles
from bot.jobs.digest import digest_data, last_digest
from bot.jobs.poll_jobs import plan_reminders
from bot.jobs.settings import AnnounceChat, announce_chats, with_chats
from bot.members.model import Role
from bot.members.repository import MemberRepository
from bot.platforms.ports import ActionInvoked, Command, Interaction, Reply, Screen, Tone
from bot.polls.service import PollsService
from bot.rendering.digest import digest_screen
from bot.scheduling.delivery import PREFERRED_PLATFORM
from bot.scheduling.model import DIGEST
from bot.scheduling.planning import schedule_job
from bot.storage.schedule_tables import DeliveryRow
from bot.storage.tables import OrganisationRow

HERE = {"here", "ici"}
OFF = {"off", "stop", "arreter", "arrêter", "retirer"}
PREVIEW = {"preview", "apercu", "aperçu", "voir"}
SEND = {"send", "envoyer"}


# --- /remind ---------------------------------------------------------------------------------


async def remind_command(ix: Interaction, ctx: Context) -> Reply:
    """/remind NUMBER: remind now the members who have not answered an open poll."""
    assert isinstance(ix.intent, Command)
    args = ix.intent.args
    if not args or not args[0].isdigit():
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('remind')} NUMBER"})
    return await _remind(ctx, int(args[0]))


async def remind_button(ix: Interaction, ctx: Context) -> Reply:
    """The “Send a reminder now” button of a participation alert."""
    assert isinstance(ix.intent, ActionInvoked)
    args = ix.intent.action.args
    if not args or not isinstance(args[0], int):
        raise DomainError("error.stale_button")
    return await _remind(ctx, args[0])


async def _remind(ctx: Context, poll_id: int) -> Reply:
    actor = ctx.require_admin()
    t, now = ctx.t, ctx.clock.now()
    poll = await PollsService(ctx.uow, ctx.org).get(poll_id)
    poll.check_accepting(now)
    label = keys.minute_label(now)
    report = await plan_reminders(ctx.uow, poll, label, now)
    later = await ctx.uow.session.scalar(
        select(func.count())
        .select_from(DeliveryRow)
        .where(
            DeliveryRow.organisation_id == ctx.org.id,
            DeliveryRow.dedup_key.startswith(
                f"{keys.poll_deliveries('remind', poll.id)}{label}:", autoescape=True
            ),
            DeliveryRow.due_at > now,
        )
    )
    await ctx.members.log(actor, "poll.remind", f"#{poll.id} {poll.title}"[:200], report.created)
    ctx.wake_scheduler()
    lines = [
        t.plural(
            "A reminder is on its way to {n} member who has not answered yet.",
            "A reminder is on its way to {n} members who have not answered yet.",
            report.created,
        )
    ]
    if later:
        lines.append(
            t.plural(
                "{n} of them is in their quiet hours and will get it in the morning.",
                "{n} of them are in their quiet hours and will get it in the morning.",
                int(later),
            )
        )
    if report.opted_out:
        lines.append(
            t.plural(
                "{n} member turned reminders off.",
                "{n} members turned reminders off.",
                report.opted_out,
            )
        )
    if report.duplicates:
        lines.append(
            t.plural(
                "{n} member was already reminded a moment ago.",
                "{n} members were already reminded a moment ago.",
                report.duplicates,
            )
        )
    return Reply.of(Screen(text="\n".join(lines), tone=Tone.SUCCESS))


# --- /digest ---------------------------------------------------------------------------------


async def digest_command(ix: Interaction, ctx: Context) -> Reply:
    """/digest preview: the board digest as it would be now; /digest send: send it now."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    word = ix.intent.args[0].lower() if ix.intent.args else "preview"
    if word in PREVIEW:
        if not (member.is_admin or member.has(Role.BOARD)):
            raise DomainError("error.admin_only")
        data, _ = await digest_data(ctx.uow, ctx.org, await last_digest(ctx.uow, ctx.org.id))
        return Reply.of(digest_screen(ctx.t, ctx.org.name, data, ctx.capabilities.command_prefix))
    if word in SEND:
        actor = ctx.require_admin()
        board = await ids_with_roles(ctx.uow, ctx.org.id, (Role.BOARD,))
        if not board:  # nothing planned: once the role is given, a send goes out at once
            return Reply.of(
                Screen(
                    text=ctx.t(
                        "Nobody has the board role yet: give it with {command}.",
                        command=f"{ctx.cmd('role')} grant NAME board",
                    ),
                    tone=Tone.WARNING,
                )
            )
        now = ctx.clock.now()
        key = f"digest:{keys.minute_label(now)}"
        if not await schedule_job(ctx.uow, ctx.org.id, DIGEST, key, now, {"manual": True}):
            return Reply.of(  # a double send within the minute: one digest only
                Screen(text=ctx.t("This digest was sent a moment ago: it is on its way."))
            )
        await ctx.members.log(actor, "digest.send", key, len(board))
        ctx.wake_scheduler()
        text = ctx.t.plural(
            "The digest is on its way to {n} board member.",
            "The digest is on its way to {n} board members.",
            len(board),
        )
        return Reply.of(Screen(text=text, tone=Tone.SUCCESS))
    raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('digest')} preview|send"})


# --- /announce -------------------------------------------------------------------------------


async def announce_command(ix: Interaction, ctx: Context) -> Reply:
    """/announce here (in a group): announce new polls here; /announce off; /announce: list."""
    assert isinstance(ix.intent, Command)
    actor = ctx.require_admin()
    t = ctx.t
    word = ix.intent.args[0].lower() if ix.intent.args else ""
    row = await ctx.uow.session.get(OrganisationRow, ctx.org.id, with_for_update=True)
    assert row is not None
    chats = announce_chats(row.settings)
    here = [c for c in chats if (c.platform, c.chat_key) == (ctx.chat.platform, ctx.chat.chat_key)]
    if word in HERE | OFF:
        if ctx.chat.is_direct:
            raise DomainError("announce.group_only", {"command": ctx.cmd("announce here")})
        if word in HERE and not here:
            chats.append(AnnounceChat(ctx.chat.platform, ctx.chat.chat_key, "", actor.id))
        elif word in OFF:
            chats = [c for c in chats if c not in here]
        row.settings = with_chats(row.settings, chats)
        await ctx.uow.session.flush()
        await ctx.members.log(
            actor, f"announce.{'on' if word in HERE else 'off'}", ctx.chat.chat_key[:200], None
        )
        text = (
            t("New polls will be announced in this chat.")
            if word in HERE
            else t("New polls will no longer be announced in this chat.")
        )
        return Reply.of(Screen(text=text, tone=Tone.SUCCESS))
    if word:
        raise DomainError("error.bad_arguments", {"usage": f"{ctx.cmd('announce')} here|off"})
    if not chats:
        text = t(
            "New polls are announced to each member privately. To announce them in a group "
            "too, type {command} in that group.",
            command=ctx.cmd("announce here"),
        )
    else:
        text = (
            t("New polls are also announced in:")
            + "\n"
            + "\n".join(f"• {c.platform}: {c.title or c.chat_key}" for c in chats)
        )
    return Reply.of(Screen(text=text))


# --- /notifications via ----------------------------------------------------------------------

VIA = {"via", "par", "sur"}
AUTO = {"auto", "default", "defaut", "défaut"}


async def choose_platform(ctx: Context, text: str) -> Reply:
    """/notifications via telegram|matrix|auto: where scheduled messages reach the member."""
    member = ctx.require_member()
    t, word = ctx.t, text.strip().lower()
    repository = MemberRepository(ctx.uow.session)
    platforms = sorted({i.platform for i in await repository.identities(member.id)})
    row = await repository.row(member.id)
    preferences = dict(row.preferences or {})
    if word in AUTO:
        preferences.pop(PREFERRED_PLATFORM, None)
        text = t("Messages will reach you where you last answered a poll.")
    elif word in platforms:
        preferences[PREFERRED_PLATFORM] = word
        text = t(
            "Announcements, reminders and results will reach you on {platform}.",
            platform=word.capitalize(),
        )
    else:
        raise DomainError(
            "notifications.unknown_platform",
            {"platforms": ", ".join([*platforms, "auto"])},
        )
    row.preferences = preferences
    await ctx.uow.session.flush()
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS))


async def platform_line(ctx: Context) -> str:
    """For /notifications: where scheduled messages go."""
    member = ctx.require_member()
    row = await MemberRepository(ctx.uow.session).row(member.id)
    chosen = (row.preferences or {}).get(PREFERRED_PLATFORM)
    if isinstance(chosen, str):
        return ctx.t("Messages reach you on: {platform}", platform=chosen.capitalize())
    return ctx.t("Messages reach you on: the platform where you last answered a poll")
