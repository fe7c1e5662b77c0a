"""Scheduled work on Matrix, through the real adapter and a real Synapse: a poll scheduled for
later opens and is announced in each member's DM, a reminder reaches only the member who has
not answered, a collège below the quorum alerts the admin, whose numbered "Send a reminder now"
reminds again, the close sends the results report with its chart (an ``m.image``) and, to the
admin, the exports (``m.file``), and the weekly digest reaches the board. The scheduler is run
step by step while the frozen clock moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nio import RoomMessageFile, RoomMessageImage

from bot.app import App
from bot.jobs.service import build_scheduling
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.runner import Scheduling
from tests.e2e.matrix.support import (
    BotFactory,
    Member,
    MemberFactory,
    RunningBot,
    bot_said,
    eventually,
)
from tests.e2e.matrix.test_polls import _coop

pytestmark = pytest.mark.asyncio

FORM = (
    "!poll new Budget 2027; type: deliberation; secret: yes; quorum: 50; "
    "q: Do you approve the budget? | single | Yes | No"
)


async def coop_with_scheduler(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> tuple[RunningBot, Scheduling, tuple[Member, Member, Member]]:
    """The bot, its scheduling (run step by step by the test) and the cooperative of
    `_coop`: Alice the admin, Bob, and Carol on the board."""
    bot = await matrix_bot()
    alice, bob, carol = await _coop(app, bot, matrix_member)
    scheduling = build_scheduling(
        app, frozenset({"matrix"}), DispatcherConfig(max_in_flight=2), worker_id="e2e"
    )
    carol_name = carol.user_id.split(":")[0][1:]
    assert "board" in await alice.talk(f"!role grant {carol_name} board", bot)
    return bot, scheduling, (alice, bob, carol)


# The storage paths are covered on both databases by the shell and Telegram scenarios; this
# checks the Matrix side (DMs, notices, images, files), so SQLite keeps the suite short.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_announcement_reminder_and_report_on_matrix(
    app: App, matrix_bot: BotFactory, matrix_member: MemberFactory
) -> None:
    bot, scheduling, (alice, bob, carol) = await coop_with_scheduler(
        app, matrix_bot, matrix_member
    )

    async def at(when: datetime) -> None:
        app.clock.set(when)  # type: ignore[attr-defined]
        await scheduling.dispatcher.dispatch_once()

    created = await alice.talk(FORM, bot)
    poll = int(created.split("Draft poll ")[1].split(" ")[0])
    planned = await alice.talk(f"!poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00", bot)
    assert "will open" in planned, planned

    await at(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))  # Tuesday 10:00 in Paris
    for member in (bob, carol):
        found = await member.synced.inbox.wait_for(
            bot_said(member, bot.user_id, "New poll: Budget 2027"), timeout=15
        )
        assert f"!vote {poll}" in found.content["body"]  # the command prefix of Matrix
    for line in (f"!vote {poll}", "1"):
        await bob.talk(line, bot)
    assert "receipt code" in await bob.talk("send", bot)

    await at(datetime(2026, 1, 6, 17, 0, tzinfo=UTC))  # 72 h before the close
    await carol.synced.inbox.wait_for(bot_said(carol, bot.user_id, "Reminder: Budget 2027"), 15)

    await at(datetime(2026, 1, 8, 17, 0, tzinfo=UTC))  # 24 h before: the turnout check
    alert = await alice.synced.inbox.wait_for(
        bot_said(alice, bot.user_id, "Low participation: Budget 2027"), 15
    )
    assert "Service users: 0 of 1" in alert.content["body"]
    assert "Employees" not in alert.content["body"]
    assert "1. Send a reminder now" in alert.content["body"]
    assert "A reminder is on its way to 1 member" in await alice.talk("1", bot)  # the button
    await scheduling.dispatcher.dispatch_once()

    async def reminded_three_times() -> bool:  # 72 h, 24 h, and the admin's
        bodies = [str(i.content.get("body")) for i in carol.synced.inbox.received]
        return sum("Reminder: Budget" in body for body in bodies) == 3

    await eventually(reminded_three_times)

    await at(datetime(2026, 1, 9, 17, 0, tzinfo=UTC))  # the close
    await alice.synced.inbox.wait_for(bot_said(alice, bot.user_id, "Poll"), 15)
    image = await alice.synced.inbox.wait_for(
        lambda i: i.room_id == alice.room_id and isinstance(i.event, RoomMessageImage), 20
    )
    assert image.sender == bot.user_id
    await alice.synced.inbox.wait_for(
        lambda i: (
            i.room_id == alice.room_id
            and isinstance(i.event, RoomMessageFile)
            and "ballots.csv" in str(i.content.get("filename", ""))
        ),
        20,
    )
    await carol.synced.inbox.wait_for(
        lambda i: i.room_id == carol.room_id and isinstance(i.event, RoomMessageImage), 20
    )
    reminders_to_bob = [
        i
        for i in bob.synced.inbox.received
        if i.room_id == bob.room_id and "Reminder" in str(i.content.get("body", ""))
    ]
    assert reminders_to_bob == []  # he had answered

    app.clock.set(datetime(2026, 1, 12, 8, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    await scheduling.cron.plan_due_digests()  # what the Monday 09:00 cron does
    await scheduling.dispatcher.dispatch_once()
    digest = await carol.synced.inbox.wait_for(bot_said(carol, bot.user_id, "Weekly digest"), 15)
    assert "Budget 2027" in digest.content["body"]
    assert not [
        i
        for i in bob.synced.inbox.received
        if i.room_id == bob.room_id and "digest" in str(i.content.get("body", "")).lower()
    ]
