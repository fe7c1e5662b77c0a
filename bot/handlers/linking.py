"""Account linking: one person, several chat accounts, one member (so one ballot per poll).

`/link` shows a one-time code on an account the member already uses; `/link CODE` typed from
another account (another platform, or another account on the same one) attaches that account
to the same member. `/unlink` detaches the account it is typed from; `/unlink PLATFORM` the
member's accounts on that platform. The last account of a member cannot be unlinked.

Codes live in the small key/value table (`link:<org>:<CODE>`) for ten minutes and are consumed
atomically (DELETE ... RETURNING), so two accounts racing on one code cannot both win.
An account that already belongs to another member is refused: merging two members (roles,
ballots) is an administrator's decision, not something a code should do.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.handlers.context import Context
from bot.i18n import Translator
from bot.members.model import new_invitation_code, normalise_invitation_code
from bot.members.repository import MemberRepository
from bot.platforms.ports import Command, Interaction, Reply, Screen, Tone
from bot.storage.conversations import AdapterStateRepository
from bot.storage.tables import IdentityRow, KeyValueRow

LINK_LIFETIME = timedelta(minutes=10)
CODE_LENGTH = 8


def _key(ctx: Context, code: str) -> str:
    return f"link:{ctx.org.id}:{code}"


def _refuse(text: str) -> Reply:
    return Reply.of(Screen(text=text, tone=Tone.ERROR))


async def link(ix: Interaction, ctx: Context) -> Reply:
    """/link: show a code for your other account; /link CODE: enter it on that account."""
    assert isinstance(ix.intent, Command)
    if ix.intent.args:
        return await _enter_code(ix, ctx, normalise_invitation_code(ix.intent.args[0]))
    member = ctx.require_member()
    now = ctx.clock.now()
    await _forget_expired(ctx, now)
    code = new_invitation_code(CODE_LENGTH)
    ticket = {
        "member_id": member.id,
        "platform": ix.actor.platform,
        "user_key": ix.actor.user_key,
        "expires": (now + LINK_LIFETIME).isoformat(),
    }
    await AdapterStateRepository(ctx.uow.session).put(_key(ctx, code), json.dumps(ticket), now)
    t = ctx.t
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    text = "\n\n".join(
        [
            t("Your linking code: {code}", code=code),
            t(
                "From your other account, send it to Parvis within {minutes} minutes: "
                "/link {code} on Telegram, !link {code} on Matrix. Both accounts will then "
                "be the same member, with a single vote.",
                code=code,
                minutes=minutes,
            ),
        ]
    )
    return Reply.of(Screen(title=t("Link another account"), text=text))


async def _enter_code(ix: Interaction, ctx: Context, code: str) -> Reply:
    t = ctx.t
    repo = AdapterStateRepository(ctx.uow.session)
    raw = await repo.get(_key(ctx, code)) if code else None
    ticket = json.loads(raw) if raw else None
    now = ctx.clock.now()
    if ticket is None or datetime.fromisoformat(ticket["expires"]) <= now:
        return _refuse(
            t(
                "This linking code is unknown or has expired. Ask for a new one with {command}.",
                command=ctx.cmd("link"),
            )
        )
    if (ticket["platform"], ticket["user_key"]) == (ix.actor.platform, ix.actor.user_key):
        return _refuse(t("Enter this code from your other account, not from this one."))
    if ctx.member is not None:
        if ctx.member.id == ticket["member_id"]:
            return Reply.of(Screen(text=t("These accounts are already linked.")))
        return _refuse(
            t(
                "This account already belongs to another member. "
                "Ask an administrator to merge the two."
            )
        )
    consumed = await ctx.uow.session.scalar(
        delete(KeyValueRow).where(KeyValueRow.key == _key(ctx, code)).returning(KeyValueRow.key)
    )
    if consumed is None:  # someone else used it a moment ago
        return _refuse(
            t(
                "This linking code is unknown or has expired. Ask for a new one with {command}.",
                command=ctx.cmd("link"),
            )
        )
    members = MemberRepository(ctx.uow.session)
    await members.add_identity(
        ctx.org.id,
        ticket["member_id"],
        ix.actor.platform,
        ix.actor.user_key,
        ix.actor.display_name[:80],
        now,
    )
    member = await members.get(ticket["member_id"])
    assert member is not None
    if member.language:  # from now on this account speaks the member's language
        t = ctx.t = Translator(member.language, ctx.org.timezone)
    await ctx.members.log(
        member, "identity.link", member.display_name, {"platform": ix.actor.platform}
    )
    accounts = sorted({i.platform for i in await members.identities(member.id)})
    return Reply.of(
        Screen(
            text=t(
                "Accounts linked. You are {name} on each of them ({accounts}), with one vote.",
                name=member.display_name,
                accounts=", ".join(accounts),
            ),
            tone=Tone.SUCCESS,
        )
    )


async def unlink(ix: Interaction, ctx: Context) -> Reply:
    """/unlink: detach this account; /unlink PLATFORM: detach your accounts there."""
    assert isinstance(ix.intent, Command)
    member = ctx.require_member()
    t = ctx.t
    members = MemberRepository(ctx.uow.session)
    identities = await members.identities(member.id)
    here = (ix.actor.platform, ix.actor.user_key)
    if ix.intent.args:
        platform = ix.intent.args[0].lower()
        targets = [
            i for i in identities if i.platform == platform and (i.platform, i.user_key) != here
        ]
        if not targets:
            return _refuse(
                t("No other account on {platform} is linked to you.", platform=platform[:20])
            )
    else:
        targets = [i for i in identities if (i.platform, i.user_key) == here]
    if len(targets) >= len(identities):
        return _refuse(t("This is your only account: it cannot be unlinked."))
    removed = sorted({i.platform for i in targets})
    await ctx.uow.session.execute(
        delete(IdentityRow).where(IdentityRow.id.in_([i.id for i in targets]))
    )
    await ctx.members.log(member, "identity.unlink", member.display_name, {"platforms": removed})
    return Reply.of(
        Screen(
            text=t(
                "Unlinked: {accounts}. Your other accounts are unchanged.",
                accounts=", ".join(removed),
            ),
            tone=Tone.SUCCESS,
        )
    )


async def _forget_expired(ctx: Context, now: datetime) -> None:
    await ctx.uow.session.execute(
        delete(KeyValueRow).where(
            KeyValueRow.key.like(f"link:{ctx.org.id}:%"),
            KeyValueRow.updated_at < now - LINK_LIFETIME,
        )
    )
