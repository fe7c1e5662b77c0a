"""/notifications: reminders on or off, quiet hours; for admins, the organisation's defaults
(quiet hours, board digest, when polls remind and check turnout)."""

from __future__ import annotations

from dataclasses import replace

from babel.dates import get_day_names

from bot.core.errors import DomainError
from bot.handlers import nudge_settings, nudges
from bot.handlers.context import Context
from bot.i18n import N_, Translator
from bot.jobs.planning import nudges_of
from bot.members.model import Role
from bot.platforms.ports import Command, Interaction, Reply, Screen, Tone
from bot.scheduling.digests import DigestSchedule, parse_digest_schedule
from bot.scheduling.preferences import NotificationPrefs, OrganisationSchedule
from bot.scheduling.preferences_store import (
    member_prefs,
    organisation_schedule,
    set_member_prefs,
    set_organisation_schedule,
)
from bot.scheduling.quiet_hours import QuietHours, parse_quiet_hours

ON = {"on", "oui", "activer", "yes"}
OFF = {"off", "non", "desactiver", "désactiver", "no"}
QUIET = {"quiet", "silence", "calme"}
DEFAULT = {"default", "defaut", "défaut"}
DIGEST = {"digest", "resume", "résumé", "synthese", "synthèse"}
ORG_QUIET = {"default-quiet", "silence-defaut", "silence-défaut"}


async def notifications(ix: Interaction, ctx: Context) -> Reply:
    """/notifications [on|off|quiet HH:MM-HH:MM|quiet off|quiet default] (+ admin settings)."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    args = ix.intent.args
    sub = args[0].lower() if args else ""
    rest = " ".join(args[1:]).strip()
    prefs = await member_prefs(ctx.uow, member.id)
    if not sub:
        return await _show(ctx, prefs)
    if sub in ON | OFF and len(args) == 1:
        await set_member_prefs(ctx.uow, member.id, replace(prefs, reminders=sub in ON))
        return _done(ctx.t(_REMINDERS_ON if sub in ON else _REMINDERS_OFF))
    if sub in QUIET and rest:
        return await _set_own_quiet(ctx, member.id, prefs, rest)
    if sub in DIGEST and rest:
        return await _set_digest(ctx, rest)
    if sub in ORG_QUIET and rest:
        return await _set_org_quiet(ctx, rest)
    if sub in nudges.VIA and rest:
        return await nudges.choose_platform(ctx, rest)
    if sub in nudge_settings.REMINDERS and rest:
        return await nudge_settings.set_reminders(ctx, rest, _usage(ctx))
    if sub in nudge_settings.TURNOUT and rest:
        return await nudge_settings.set_turnout(ctx, rest, _usage(ctx))
    raise DomainError("error.bad_arguments", {"usage": _usage(ctx)})


_REMINDERS_ON = N_(
    "Reminders are on: you will be reminded of the votes you have not answered yet."
)
_REMINDERS_OFF = N_(
    "You will no longer receive reminders. Announcements and results still reach you."
)


def _done(text: str) -> Reply:
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS))


def _usage(ctx: Context) -> str:
    cmd = ctx.cmd("notifications")
    usage = f"{cmd} on|off · {cmd} quiet 22:00-07:30|off|default · {cmd} via PLATFORM|auto"
    if ctx.member is not None and ctx.member.is_admin:
        usage += f" · {cmd} digest mon 09:00|off · {cmd} default-quiet 21:00-08:00|off"
        usage += f" · {nudge_settings.usage(cmd)}"
    return usage


def _hours(quiet: QuietHours) -> str:
    return f"{quiet.start:%H:%M}–{quiet.end:%H:%M}"


def _when(t: Translator, schedule: DigestSchedule) -> tuple[str, str]:
    day = str(get_day_names("wide", locale=t.locale)[schedule.weekday])
    return day, f"{schedule.at:%H:%M}"


def _parse_quiet(ctx: Context, text: str) -> QuietHours:
    try:
        return parse_quiet_hours(text)
    except ValueError:
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)}) from None


async def _show(ctx: Context, prefs: NotificationPrefs) -> Reply:
    t = ctx.t
    org = await organisation_schedule(ctx.uow, ctx.org.id)
    lines = [t("Reminders: on") if prefs.reminders else t("Reminders: off")]
    quiet = prefs.effective_quiet(org.quiet)
    if quiet is None:
        lines.append(t("Quiet hours: none"))
    elif prefs.quiet is not None:
        lines.append(t("Quiet hours: {hours} (yours)", hours=_hours(quiet)))
    else:
        lines.append(t("Quiet hours: {hours} (the organisation's default)", hours=_hours(quiet)))
    lines.append(await nudges.platform_line(ctx))
    if ctx.member is not None and (ctx.member.is_admin or _is_board(ctx)):
        if org.digest is None:
            lines.append(t("Board digest: off"))
        else:
            day, time = _when(t, org.digest)
            lines.append(t("Board digest: every {day} at {time}", day=day, time=time))
    if ctx.member is not None and ctx.member.is_admin:
        lines += nudge_settings.lines(t, await nudges_of(ctx.uow, ctx.org.id))
    lines += ["", t("To change: {usage}", usage=_usage(ctx))]
    return Reply.of(Screen(title=t("Notifications"), text="\n".join(lines)))


def _is_board(ctx: Context) -> bool:
    return ctx.has_role(Role.BOARD)


async def _set_own_quiet(
    ctx: Context, member_id: int, prefs: NotificationPrefs, text: str
) -> Reply:
    t = ctx.t
    word = text.lower()
    if word in OFF:
        await set_member_prefs(ctx.uow, member_id, replace(prefs, quiet=None, quiet_disabled=True))
        return _done(t("You have no quiet hours any more: reminders may come at any time."))
    if word in DEFAULT:
        await set_member_prefs(
            ctx.uow, member_id, replace(prefs, quiet=None, quiet_disabled=False)
        )
        org = await organisation_schedule(ctx.uow, ctx.org.id)
        if org.quiet is None:
            return _done(t("Your quiet hours follow the organisation's default again (none)."))
        return _done(
            t(
                "Your quiet hours follow the organisation's default again ({hours}).",
                hours=_hours(org.quiet),
            )
        )
    quiet = _parse_quiet(ctx, text)
    await set_member_prefs(ctx.uow, member_id, replace(prefs, quiet=quiet, quiet_disabled=False))
    return _done(
        t(
            "Your quiet hours are now {hours}: reminders due then wait until {end}.",
            hours=_hours(quiet),
            end=f"{quiet.end:%H:%M}",
        )
    )


async def _set_digest(ctx: Context, text: str) -> Reply:
    ctx.require_admin()
    t = ctx.t
    try:
        digest = parse_digest_schedule(text)
    except ValueError:
        raise DomainError("error.bad_arguments", {"usage": _usage(ctx)}) from None
    org = await organisation_schedule(ctx.uow, ctx.org.id)
    await _save_org(ctx, replace(org, digest=digest), "notifications.digest")
    if digest is None:
        return _done(t("The board digest is turned off."))
    day, time = _when(t, digest)
    return _done(
        t(
            "The board digest will be sent every {day} at {time} ({timezone}).",
            day=day,
            time=time,
            timezone=ctx.org.timezone,
        )
    )


async def _set_org_quiet(ctx: Context, text: str) -> Reply:
    ctx.require_admin()
    t = ctx.t
    quiet = None if text.lower() in OFF else _parse_quiet(ctx, text)
    org = await organisation_schedule(ctx.uow, ctx.org.id)
    await _save_org(ctx, replace(org, quiet=quiet), "notifications.quiet_hours")
    if quiet is None:
        return _done(t("The organisation has no default quiet hours any more."))
    return _done(t("The organisation's default quiet hours are now {hours}.", hours=_hours(quiet)))


async def _save_org(ctx: Context, schedule: OrganisationSchedule, action: str) -> None:
    """Store the organisation's schedule and write the admin action to the audit log."""
    await set_organisation_schedule(ctx.uow, ctx.org.id, schedule)
    await ctx.members.log(ctx.member, action, ctx.org.slug, schedule.to_settings({}))
