"""/notifications on Telegram through the emulator (both databases): a member's own
reminders and quiet hours; an admin's reminder times and turnout check; refusals."""

from __future__ import annotations

import re

from tests.e2e.telegram.telegram_e2e_support import Bot


async def test_members_and_admins_set_their_notifications(bot: Bot) -> None:
    alice = await bot.admin(1001, "Alice", "en")
    await alice.say("/college add salaries Salariés | Employees")
    code = re.search(r"code: (\w+)", await alice.say("/invite salaries"))
    assert code
    bob = bot.user(1002, "Bob", "en")
    await bob.say(f"/start {code[1]}")

    shown = await bob.say("/notifications")
    assert "Reminders: on" in shown and "Reminders before a poll closes" not in shown
    assert "no longer receive reminders" in await bob.say("/notifications off")
    assert "22:00–07:30" in await bob.say("/notifications quiet 22:00-07:30")
    assert "Reminders: off" in await bob.say("/notifications")
    before = await bot.snapshot()
    assert "only an administrator" in await bob.say("/notifications reminders 3h")
    assert "only an administrator" in await bob.say("/notifications turnout off")
    assert await bot.snapshot() == before

    said = await alice.say("/notifications reminders 48h, 3h")
    assert "remind those who have not answered 2 days and 3 hours before" in said, said
    assert "no longer be told" in await alice.say("/notifications turnout off")
    assert "Usage: /notifications" in await alice.say("/notifications reminders soon")
    shown = await alice.say("/notifications")
    assert "Reminders before a poll closes: 2 days and 3 hours" in shown, shown
    assert "Turnout check: off" in shown
