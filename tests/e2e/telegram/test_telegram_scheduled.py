"""Scheduled work on Telegram, through the real adapter and the Bot API emulator: a poll
scheduled for later opens and is announced (privately and in the announcement group), a
reminder reaches only the member who has not answered, the close sends the results report with
its chart (and the exports to the admin), the weekly digest arrives in each board member's
language; a collège below the quorum alerts the admins, whose "Send a reminder now" button
reminds those who have not answered. The scheduler is run step by step while the frozen clock
is moved."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.jobs.service import build_scheduling
from bot.scheduling.dispatcher import DispatcherConfig
from tests.e2e.telegram.telegram_e2e_support import Bot, User
from tests.e2e.telegram.test_telegram_polls import set_up_coop

FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; quorum: 50; "
    "q: Do you approve the budget? | single | Yes | No"
)
GROUP = -7001


def texts(user: User, since: int) -> str:
    return "\n".join(m.text or "" for m in user.messages()[since:])


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
async def test_announcement_reminder_report_and_digest_on_telegram(bot: Bot) -> None:
    clock = bot.app.clock
    scheduling = build_scheduling(
        bot.app, frozenset({"telegram"}), DispatcherConfig(max_in_flight=2), worker_id="e2e"
    )

    async def at(when: datetime) -> None:
        clock.set(when)  # type: ignore[attr-defined]
        await scheduling.dispatcher.dispatch_once()

    alice, people = await set_up_coop(
        bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers"), "Dave": (1004, "usagers")}
    )
    bob, carol, dave = people["Bob"], people["Carol"], people["Dave"]
    await carol.say("/language fr")
    for name in ("Carol", "Dave"):  # the board
        assert "board" in await alice.say(f"/role grant {name} board")
    update = bot.emu.user_message(
        1001, "/announce@parvis_e2e_bot here", chat_id=GROUP, chat_type="supergroup"
    )
    await bot.processed.wait(update["update_id"])
    poll = int(re.search(r"Draft poll (\d+) created", await alice.say(FORM))[1])  # type: ignore[index]
    assert "will open" in await alice.say(
        f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00"
    )
    marks = {u.key: len(u.messages()) for u in (alice, bob, carol)}

    await at(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))  # Tuesday 10:00 in Paris: it opens
    announced = texts(bob, marks[bob.key])
    assert "New poll: Budget 2027" in announced and f"/vote {poll}" in announced
    assert f"ans:{poll}" in bob.messages()[-1].callback_data  # "Answer now"
    assert "Nouvelle consultation : Budget 2027" in texts(carol, marks[carol.key])
    posted = bot.emu.sent_to(GROUP)
    assert any("Budget 2027" in (m.text or "") for m in posted), [m.text for m in posted]
    assert not any(m.callback_data for m in posted)  # deep links into the private chat

    for line in (f"/vote {poll}", "1", "send"):
        answer = await bob.say(line)
    assert "receipt code" in answer
    marks = {u.key: len(u.messages()) for u in (alice, bob, carol)}
    await at(datetime(2026, 1, 6, 17, 0, tzinfo=UTC))  # 72 h before the close, 18:00 in Paris
    assert "Rappel : Budget 2027" in texts(carol, marks[carol.key])
    assert "Reminder: Budget 2027" in texts(dave, len(dave.messages()) - 1)
    assert "Reminder" not in texts(bob, marks[bob.key])

    marks = {u.key: len(u.messages()) for u in (alice, bob, carol, dave)}
    await at(datetime(2026, 1, 8, 17, 0, tzinfo=UTC))  # 24 h before: the turnout check
    alert = next(m for m in alice.messages()[marks[alice.key] :] if m.callback_data)
    assert "Low participation: Budget 2027" in (alert.text or ""), alert.text
    assert "Service users: 0 of 2" in (alert.text or "") and "Employees" not in (alert.text or "")
    assert "Low participation" not in texts(bob, marks[bob.key])  # admins only
    assert alert.callback_data == [f"remind:{poll}"]  # "Send a reminder now"
    await alice.press(alert, f"remind:{poll}")
    answered = texts(alice, marks[alice.key] + 1)
    assert "A reminder is on its way to 2 members" in answered, answered
    typed = await alice.say("1")  # typing the number presses the alert's button too
    assert "2 members were already reminded a moment ago" in typed, typed
    await scheduling.dispatcher.dispatch_once()
    assert texts(dave, marks[dave.key]).count("Reminder: Budget 2027") == 2  # 24 h, then now
    assert "Reminder" not in texts(bob, marks[bob.key])

    marks = {u.key: len(u.messages()) for u in (alice, bob, carol)}
    await at(datetime(2026, 1, 9, 17, 0, tzinfo=UTC))  # the close
    to_alice = alice.messages()[marks[alice.key] :]
    assert "Final results" in texts(alice, marks[alice.key])
    assert any(m.kind == "photo" and m.photo for m in to_alice)
    documents = [m for m in to_alice if m.kind == "document"]
    assert len(documents) == 2 and b"Receipt" in (documents[0].document or b"")
    to_bob = bob.messages()[marks[bob.key] :]
    assert any(m.kind == "photo" for m in to_bob) and not any(m.kind == "document" for m in to_bob)

    marks = {u.key: len(u.messages()) for u in (alice, bob, carol, dave)}
    scheduling_cron = scheduling.cron
    clock.set(datetime(2026, 1, 12, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    await scheduling_cron.plan_due_digests()
    await scheduling.dispatcher.dispatch_once()
    assert "Weekly digest" in texts(dave, marks[dave.key])
    assert "Synthèse de la semaine" in texts(carol, marks[carol.key])
    assert "digest" not in (texts(alice, marks[alice.key]) + texts(bob, marks[bob.key])).lower()
    assert bot.emu.stats().too_many_requests == 0
