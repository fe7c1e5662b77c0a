"""Admin: when polls remind those who have not answered, and when admins hear of collèges
below the quorum (`/notifications reminders 72h,24h,3h|off|default`,
`/notifications turnout 24h|off|default`). Polls already scheduled or open follow at once."""

from __future__ import annotations

from datetime import timedelta

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.i18n import Translator
from bot.jobs.planning import nudges_of, replan_nudges
from bot.jobs.settings import (
    REMINDER_OFFSETS,
    TURNOUT_ALERT,
    Nudges,
    parse_nudge,
    parse_reminder_offsets,
    reminders_setting,
    turnout_setting,
    with_setting,
)
from bot.platforms.ports import Reply, Screen, Tone
from bot.storage.tables import OrganisationRow

REMINDERS = {"reminders", "rappels"}
TURNOUT = {"turnout", "participation"}
OFF = {"off", "non", "aucun", "aucune", "none"}
DEFAULT = {"default", "defaut", "défaut"}
USAGE = "{cmd} reminders 72h,24h,3h|off|default · {cmd} turnout 24h|off|default"


def usage(cmd: str) -> str:
    """The admin part of `/notifications`' usage."""
    return USAGE.format(cmd=cmd)


def lines(t: Translator, nudges: Nudges) -> list[str]:
    """How the organisation's polls nudge, for `/notifications` (admins)."""
    if nudges.reminders:
        reminders = t("Reminders before a poll closes: {times}", times=_times(t, nudges))
    else:
        reminders = t("Reminders before a poll closes: none")
    if nudges.turnout is None:
        turnout = t("Turnout check: off")
    else:
        turnout = t(
            "Turnout check: {time} before a poll closes", time=t.exact_duration(nudges.turnout)
        )
    return [reminders, turnout]


async def set_reminders(ctx: Context, text: str, full_usage: str) -> Reply:
    """`/notifications reminders 72h,24h,3h|off|default`."""
    ctx.require_admin()
    word = text.strip().lower()
    offsets: tuple[timedelta, ...] | None
    if word in OFF:
        offsets = ()
    elif word in DEFAULT:
        offsets = None
    else:
        try:
            offsets = parse_reminder_offsets(text)
        except ValueError:
            raise DomainError("error.bad_arguments", {"usage": full_usage}) from None
    nudges, polls = await _save(ctx, REMINDER_OFFSETS, reminders_setting(offsets), "reminders")
    t = ctx.t
    if nudges.reminders:
        said = t(
            "Polls will remind those who have not answered {times} before they close.",
            times=_times(t, nudges),
        )
    else:
        said = t("Polls will send no reminders.")
    return _done(ctx, said, polls)


async def set_turnout(ctx: Context, text: str, full_usage: str) -> Reply:
    """`/notifications turnout 24h|off|default`."""
    ctx.require_admin()
    word = text.strip().lower()
    stored: str | None
    if word in DEFAULT:
        stored = None
    elif word in OFF:
        stored = turnout_setting(None)
    else:
        try:
            stored = turnout_setting(parse_nudge(text))
        except ValueError:
            raise DomainError("error.bad_arguments", {"usage": full_usage}) from None
    nudges, polls = await _save(ctx, TURNOUT_ALERT, stored, "turnout")
    t = ctx.t
    if nudges.turnout is None:
        said = t("Admins will no longer be told about collèges below the quorum.")
    else:
        said = t(
            "{time} before a poll closes, admins will be told which collèges are below the "
            "quorum.",
            time=t.exact_duration(nudges.turnout),
        )
    return _done(ctx, said, polls)


async def _save(ctx: Context, key: str, value: str | None, what: str) -> tuple[Nudges, int]:
    """Store the setting, audit it, plan the live polls' nudges again."""
    row = await ctx.uow.session.get(OrganisationRow, ctx.org.id, with_for_update=True)
    assert row is not None
    row.settings = with_setting(row.settings, key, value)
    await ctx.uow.session.flush()
    await ctx.members.log(ctx.member, f"notifications.{what}", ctx.org.slug, {key: value})
    polls = await replan_nudges(ctx.uow, ctx.org.id)
    ctx.wake_scheduler()
    return await nudges_of(ctx.uow, ctx.org.id), polls


def _times(t: Translator, nudges: Nudges) -> str:
    """The reminder offsets as the language lists them ('3 jours, 1 jour et 3 heures')."""
    return t.list_of([t.exact_duration(offset) for offset in nudges.reminders])


def _done(ctx: Context, said: str, polls: int) -> Reply:
    text = said
    if polls:
        text += "\n" + ctx.t.plural(
            "{n} scheduled or open poll follows these times now.",
            "{n} scheduled or open polls follow these times now.",
            polls,
        )
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS))
