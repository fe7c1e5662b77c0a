"""Two processes on one PostgreSQL database handling interactions of one chat at the same
time (Telegram webhooks behind a load balancer): with `serialize_chats` each interaction
takes the chat's database lock first and sees what the other committed; without it, one of
two read-modify-write steps of a conversation is lost."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App, build_app
from bot.handlers.context import Context
from bot.members.service import MembersService
from bot.platforms.ports import (
    Action,
    ActionInvoked,
    ChatRef,
    Interaction,
    PlatformUser,
    Reply,
)
from bot.platforms.telegram.outbound import CAPABILITIES
from bot.settings import Settings
from bot.storage.conversations import ConversationRepository

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
USER = PlatformUser("telegram", "42", "Alice", "fr")
CHAT = ChatRef("telegram", "42", True)


async def count_step(ix: Interaction, ctx: Context) -> Reply:
    """Read the member's counter, take a while, write it back plus one."""
    member = ctx.require_member()
    conversations = ConversationRepository(ctx.uow.session)
    current = await conversations.get(member.id)
    n = int(current.state["n"]) if current else 0
    await asyncio.sleep(0.2)  # a slow step: the other process runs meanwhile
    await conversations.put(member.id, "count", {"n": n + 1}, ctx.clock.now())
    return Reply()


async def two_processes(settings: Settings, serialize: bool) -> tuple[App, App]:
    apps = (await build_app(settings), await build_app(settings))
    for app in apps:
        app.dispatcher.router.action("count", count_step)
        app.dispatcher.serialize_chats = serialize
    return apps


async def counter(app: App) -> int:
    async with app.db.uow() as uow:
        members = MembersService(uow, app.organisation)
        member = await members.members.by_identity(app.organisation.id, "telegram", "42")
        assert member is not None
        found = await ConversationRepository(uow.session).get(member.id)
        return int(found.state["n"]) if found else 0


@pytest.mark.parametrize("serialize", [True, False], ids=["serialized", "unserialized"])
async def test_one_chat_handled_by_two_processes_at_once(
    settings: Settings, serialize: bool
) -> None:
    first, second = await two_processes(settings, serialize)
    try:
        async with first.db.uow() as uow:
            await MembersService(uow, first.organisation).add_plain_member(
                "telegram", "42", "Alice", "fr"
            )
            await uow.commit()

        def tap(event: str) -> Interaction:
            return Interaction(
                USER, CHAT, ActionInvoked(Action("count")), event, first.clock.now()
            )

        await asyncio.gather(
            first.dispatcher.handle(tap("tg:1"), CAPABILITIES),
            second.dispatcher.handle(tap("tg:2"), CAPABILITIES),
        )
        assert await counter(first) == (2 if serialize else 1)  # unserialized: a step lost
    finally:
        await first.close()
        await second.close()
