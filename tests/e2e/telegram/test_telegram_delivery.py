"""Telegram's behaviour: flood limits (429), blocked users (403), updates delivered twice."""

from __future__ import annotations

import asyncio
import copy

import pytest
from sqlalchemy import func, select

from bot.platforms.ports import Screen
from bot.platforms.telegram.messenger import Undeliverable
from bot.storage.tables import InvitationRow
from tests.e2e.telegram.conftest import StartBot
from tests.e2e.telegram.telegram_e2e_support import Bot

# PTB 22 warns about RetryAfter.retry_after's future type each time it builds one (a 429).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
REAL_LIMITS = {"private_per_second": 1.0, "private_burst": 1, "overall_per_second": 30}


async def test_429_retry_after_is_honoured_and_every_reply_arrives(start_bot: StartBot) -> None:
    bot = await start_bot()  # replies not paced per chat: Telegram must say "retry after"
    alice = await bot.admin(1001, "Alice", "en")
    bot.emu.config(**REAL_LIMITS)
    updates = [bot.emu.user_message(1001, "/whoami") for _ in range(3)]  # typed in one second
    for update in updates:
        await bot.processed.wait(update["update_id"], timeout=15)
    replies = alice.messages()
    assert len(replies) == 3 and all("Alice" in (m.text or "") for m in replies)
    assert bot.emu.stats().too_many_requests >= 1  # Telegram said "retry after" and we did


async def test_bulk_messages_are_paced_per_chat_without_429(start_bot: StartBot) -> None:
    bot = await start_bot(real_pacing=True)
    bot.emu.config(**REAL_LIMITS)
    people = [str(2000 + n) for n in range(6)]
    started = asyncio.get_running_loop().time()
    await asyncio.gather(
        *(
            bot.adapter.messenger.send_direct(key, Screen(text=f"Notice {n}"))
            for key in people
            for n in range(2)
        )
    )
    elapsed = asyncio.get_running_loop().time() - started
    stats = bot.emu.stats()
    assert stats.too_many_requests == 0 and stats.sends == 12
    assert all(len(bot.emu.sent_to(int(k))) == 2 for k in people)
    assert elapsed >= 1.0  # the second message to each person waited ~1 s


async def test_replies_burst_then_are_paced_per_chat_without_429(start_bot: StartBot) -> None:
    bot = await start_bot(real_pacing=True)
    alice = await bot.admin(1001, "Alice", "en")
    bot.emu.config(private_per_second=1.0, private_burst=3)  # Telegram's tolerance, emulated
    updates = [bot.emu.user_message(1001, "/whoami") for _ in range(4)]  # 3 at once, then 1/s
    for update in updates:
        await bot.processed.wait(update["update_id"], timeout=15)
    assert len(alice.messages()) == 4 and bot.emu.stats().too_many_requests == 0


async def test_403_marks_the_identity_unreachable_and_tells_the_admins(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    bob = await bot.admin(1002, "Bob", "en")
    bot.emu.block(bob.user_id, notify=False)
    try:
        await bot.adapter.messenger.send_direct(bob.key, Screen(text="Reminder"))
        raise AssertionError("a blocked person cannot receive messages")
    except Undeliverable:
        pass
    [notice] = await bot.emu.wait_sent(alice.user_id, 1)
    assert "Bob has blocked Parvis" in (notice.text or "")
    assert await bot.reachable(bob.user_id) is False
    assert bot.emu.stats().forbidden == 1
    assert "Alice" in await alice.say("/whoami")  # everything else goes on


async def test_blocking_update_marks_unreachable_and_unblocking_restores(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    bob = await bot.admin(1002, "Bob", "en")
    blocked = bot.emu.block(bob.user_id)
    assert blocked is not None
    await bot.processed.wait(blocked["update_id"])
    assert await bot.reachable(bob.user_id) is False
    await bot.emu.wait_sent(alice.user_id, 1)
    unblocked = bot.emu.unblock(bob.user_id)
    assert unblocked is not None
    await bot.processed.wait(unblocked["update_id"])
    assert await bot.reachable(bob.user_id) is True
    assert len(alice.messages()) == 1  # told once


async def count_invitations(bot: Bot) -> int:
    async with bot.app.db.uow() as uow:
        return await uow.session.scalar(select(func.count()).select_from(InvitationRow)) or 0


async def test_an_update_delivered_twice_changes_nothing(start_bot: StartBot) -> None:
    bot = await start_bot()
    alice = await bot.admin(1001, "Alice", "en")
    await alice.say("/college add salaries Salariés | Employees")
    update = bot.emu.user_message(1001, "/invite salaries")
    await bot.processed.wait(update["update_id"])
    await bot.emu.wait_delivered()
    assert await count_invitations(bot) == 1
    replies = len(alice.messages())
    await bot.stop()

    bot.emu.state.updates.append(copy.deepcopy(update))  # Telegram hands it out again
    again = await start_bot()
    await again.processed.wait(update["update_id"])
    assert bot.emu.stats().redeliveries == 1
    assert await count_invitations(bot) == 1
    assert len(alice.messages()) == replies
