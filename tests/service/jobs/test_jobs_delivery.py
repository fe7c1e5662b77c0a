"""The delivery path through the shell: the audience chosen in SQL matches the poll engine's
eligible counts; a member linked on two platforms gets one message, on the platform they asked
for or last used; an account that refuses messages is marked unreachable and the next one is
used; a member no account reaches is reported to the admins, once, grouped by quarter hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.app import App
from bot.jobs.audience import in_audience, pages
from bot.platforms.ports import Capabilities, ChatRef, MessageRef, RecipientUnreachable, Screen
from bot.polls.repository import PollRepository
from bot.storage.tables import IdentityRow, MemberRow
from tests.service.jobs.conftest import Scheduler, poll_id
from tests.support.coop import set_up_coop

pytestmark = pytest.mark.asyncio

OTHER = Capabilities(
    buttons=False, edit_messages=False, ephemeral_notice=False, native_polls=False,
    reactions_as_input=False, max_text=4000, command_prefix="!",
)  # fmt: skip


class OtherPlatform:
    """A second platform: records what it sends; some accounts refuse messages."""

    platform = "other"
    capabilities = OTHER

    def __init__(self) -> None:
        self.sent: dict[str, list[Screen]] = {}
        self.refusing: set[str] = set()

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        if chat.chat_key in self.refusing:
            raise RecipientUnreachable(chat.chat_key)
        self.sent.setdefault(chat.chat_key, []).append(screen)
        return MessageRef(chat, str(len(self.sent[chat.chat_key])))

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        raise NotImplementedError

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        return await self.send(ChatRef("other", user_key, True), screen)


async def member_id(app: App, name: str) -> int:
    async with app.db.uow() as uow:
        found = await uow.session.scalar(
            select(MemberRow.id).where(func.lower(MemberRow.display_name) == name)
        )
    assert found is not None
    return int(found)


async def link_other(app: App, name: str) -> None:
    """Give a member an account on the other platform, linked after their shell one."""
    member = await member_id(app, name)
    async with app.db.uow() as uow:
        uow.session.add(
            IdentityRow(organisation_id=app.organisation.id, member_id=member, platform="other",
                        user_key=f"o-{name}", display_name=name, reachable=True,
                        created_at=app.clock.now() + timedelta(seconds=1))
        )  # fmt: skip
        await uow.commit()


@pytest.mark.parametrize(
    "form",
    [
        "type: consultation; audience: usagers",
        "type: consultation; audience: associates, participants",
        "type: deliberation",
        "type: consultation",
    ],
)
async def test_the_audience_matches_the_eligible_counts(shell, app: App, form: str):  # type: ignore[no-untyped-def]
    alice, _ = await set_up_coop(
        shell, {"bob": "salaries", "carol": "usagers", "cyril": "usagers", "dave": "collectivites"}
    )
    async with app.db.uow() as uow:  # someone who left
        await uow.session.execute(
            update(MemberRow).where(MemberRow.display_name == "cyril").values(active=False)
        )
        await uow.commit()
    poll = poll_id(await alice.say(f"/poll new P; {form}; q: OK? | single | Yes | No"))
    async with app.db.uow() as uow:
        loaded = await PollRepository(uow.session).get(app.organisation.id, poll)
        assert loaded is not None
        eligible = await PollRepository(uow.session).eligible_counts(loaded)
        audience = pages(uow, app.organisation.id, in_audience(loaded))
        chosen = [m async for ids in audience for m in ids]
    assert len(chosen) == sum(eligible.values()) > 0


async def test_one_message_per_member_on_the_platform_they_use(  # type: ignore[no-untyped-def]
    shell, app: App, scheduler: Scheduler
):
    other = OtherPlatform()
    app.messengers["other"] = other
    scheduler.scheduling.dispatcher.sender.platforms = None  # type: ignore[attr-defined]
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    await link_other(app, "bob")
    await link_other(app, "carol")
    poll = poll_id(await alice.say("/poll new P; type: deliberation; q: OK? | single | Yes | No"))
    await alice.say(f"/poll open {poll}")
    await scheduler.run()
    # Linked last: the other platform, with its own command prefix; nothing on the shell.
    assert [s.title for s in other.sent["o-bob"]] == ["New poll: P"]
    assert "!vote" in other.sent["o-bob"][0].text and people["bob"].inbox() == ""
    # Bob answers from the shell: the shell is now the platform he uses.
    await people["bob"].say(f"/vote {poll}", "1", "send")
    # Carol asks for the shell explicitly.
    assert "on Shell" in await people["carol"].say("/notifications via shell")
    assert "Messages reach you on: Shell" in await people["carol"].say("/notifications")
    assert "no account there" in await people["carol"].say("/notifications via matrix")
    await alice.say(f"/poll close {poll}")
    await scheduler.run()
    assert "Final results" in people["bob"].inbox() and len(other.sent["o-bob"]) == 1
    assert "Final results" in people["carol"].inbox() and len(other.sent["o-carol"]) == 1


async def test_a_refusing_account_falls_back_then_the_admins_hear_of_unreachable_members(  # type: ignore[no-untyped-def]
    shell, app: App, scheduler: Scheduler
):
    other = OtherPlatform()
    app.messengers["other"] = other
    scheduler.scheduling.dispatcher.sender.platforms = None  # type: ignore[attr-defined]
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    for name in ("bob", "carol"):
        await link_other(app, name)
        other.refusing.add(f"o-{name}")
    carol = await member_id(app, "carol")
    async with app.db.uow() as uow:  # Carol's shell account is gone too
        await uow.session.execute(
            update(IdentityRow)
            .where(IdentityRow.member_id == carol, IdentityRow.platform == "shell")
            .values(reachable=False)
        )
        await uow.commit()
    poll = poll_id(await alice.say("/poll new P; type: deliberation; q: OK? | single | Yes | No"))
    await alice.say(f"/poll open {poll}")
    await scheduler.run()
    assert "New poll: P" in people["bob"].inbox()  # the refusing account, then the shell
    async with app.db.uow() as uow:
        reachable = dict(
            (await uow.session.execute(
                select(IdentityRow.user_key, IdentityRow.reachable).where(
                    IdentityRow.platform == "other")
            )).all()
        )  # fmt: skip
    assert reachable == {"o-bob": False, "o-carol": False}
    assert "cannot reach" not in alice.inbox()  # reported when the quarter of an hour ends
    await scheduler.at(app.clock.now() + timedelta(minutes=15))
    report = alice.inbox()
    assert "Members Parvis cannot reach" in report and "carol" in report and "bob" not in report
    await alice.say(f"/remind {poll}")
    await scheduler.at(app.clock.now() + timedelta(minutes=30))
    assert "cannot reach" not in alice.inbox()  # once per member
