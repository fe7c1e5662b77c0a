"""Ongoing multi-step conversations: cancel, and the roster file wait."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.platforms.ports import Interaction, Reply, Screen
from bot.storage.conversations import ConversationRepository


async def cancel(ix: Interaction, ctx: Context) -> Reply:
    """/cancel: stop what you were doing; nothing is saved."""
    member = ctx.require_member()
    repo = ConversationRepository(ctx.uow.session)
    if await repo.get(member.id) is None:
        return Reply.of(Screen(text=ctx.t("There is nothing to cancel.")))
    await repo.clear(member.id)
    return Reply.of(Screen(text=ctx.t("Cancelled. Nothing was changed.")))


async def waiting_for_roster(ix: Interaction, ctx: Context) -> Reply:
    """Text while a roster file is expected."""
    return Reply.of(
        Screen(
            text=ctx.t(
                "I am waiting for the roster CSV file. Send it, or type {cancel} to stop.",
                cancel=ctx.cmd("cancel"),
            )
        )
    )
