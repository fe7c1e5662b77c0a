"""Polls on time through the shell, on SQLite and PostgreSQL: a poll scheduled for later opens
and is announced; reminders reach only non-voters, respect quiet hours and opt-outs; a collège
below quorum alerts the admins; the close sends the report with its chart; the weekly digest
arrives in each board member's language."""

from __future__ import annotations

import pytest

from tests.service.jobs.conftest import Scheduler, poll_id, utc
from tests.support.coop import set_up_coop

pytestmark = pytest.mark.asyncio

# The frozen clock starts on Monday 2026-01-05 09:00 UTC (10:00 in Paris, the org's timezone).
FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; quorum: 50; "
    "q: Do you approve the budget? | single | Yes | No"
)


async def test_a_scheduled_poll_opens_on_time_and_is_announced(shell, scheduler: Scheduler):  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    poll = poll_id(await alice.say(FORM))
    planned = await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    assert "will open" in planned, planned
    await scheduler.run()
    assert people["bob"].inbox() == ""
    await scheduler.at(utc(2026, 1, 6, 8, 59))
    assert people["bob"].inbox() == ""
    await scheduler.at(utc(2026, 1, 6, 9, 0))  # 10:00 in Paris
    for person in people.values():
        announced = person.inbox()
        assert "New poll: Budget 2027" in announced, announced
        assert f"/vote {poll}" in announced and "Answer now" in announced
    assert "New poll" not in alice.inbox()  # a deliberation is for associates only
    await scheduler.run()
    assert people["bob"].inbox() == ""  # once


async def vote(person, poll: int) -> None:  # type: ignore[no-untyped-def]
    out = await person.say(f"/vote {poll}", "1", "send")
    assert "receipt code" in out, out


async def test_reminders_only_to_non_voters_in_the_day_and_not_to_those_who_opted_out(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(
        shell, {"bob": "salaries", "bea": "salaries", "carol": "usagers", "dave": "collectivites"}
    )
    bob, bea, carol, dave = (people[n] for n in ("bob", "bea", "carol", "dave"))
    assert "no longer receive reminders" in await dave.say("/notifications off")
    poll = poll_id(await alice.say(FORM))
    # Opens Tuesday 10:00, closes Friday 23:00 (Paris): reminders due Tuesday 23:00 (72 h),
    # Thursday 23:00 (24 h) and Friday 20:00 (3 h); the first two wait for 08:00.
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 23:00")
    await scheduler.at(utc(2026, 1, 6, 9, 0))
    for person in people.values():
        person.inbox()
    await vote(bob, poll)
    await scheduler.at(utc(2026, 1, 6, 22, 0))  # 23:00 in Paris: quiet hours
    assert [p.inbox() for p in people.values()] == ["", "", "", ""]
    await scheduler.at(utc(2026, 1, 7, 7, 0))  # 08:00 in Paris
    assert "Reminder: Budget 2027" in bea.inbox()
    reminded = carol.inbox()
    assert "Reminder: Budget 2027" in reminded and "/notifications off" in reminded
    assert bob.inbox() == "" and dave.inbox() == ""
    await vote(carol, poll)
    await scheduler.at(utc(2026, 1, 8, 22, 0))  # 24 h before, 23:00 in Paris: waits
    assert bea.inbox() == ""
    await scheduler.at(utc(2026, 1, 9, 7, 0))
    assert "Reminder" in bea.inbox() and carol.inbox() == "" and bob.inbox() == ""
    await scheduler.at(utc(2026, 1, 9, 19, 0))  # 3 h before, 20:00 in Paris
    last = bea.inbox()
    assert "Reminder" in last and "Time left: 3 hours" in last, last
    assert carol.inbox() == "" and dave.inbox() == "" and bob.inbox() == ""


async def test_a_reminder_due_at_night_is_skipped_when_the_poll_closes_before_morning(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    poll = poll_id(await alice.say(FORM.replace("quorum: 50", "closes: 2026-01-07 07:00")))
    await alice.say(f"/poll open {poll}")
    await scheduler.run()
    assert "New poll" in people["bob"].inbox()
    # 24 h before: Tuesday 07:00, deferred to 08:00; 3 h before: Wednesday 04:00 -> too late.
    await scheduler.at(utc(2026, 1, 6, 7, 0))
    assert "Reminder" in people["bob"].inbox()
    await scheduler.at(utc(2026, 1, 7, 3, 0))
    assert people["bob"].inbox() == ""


async def test_turnout_alert_and_results_report_with_chart(shell, scheduler: Scheduler):  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(
        shell, {"bob": "salaries", "bea": "salaries", "carol": "usagers", "dave": "collectivites"}
    )
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    await scheduler.at(utc(2026, 1, 6, 9, 0))
    alice.inbox()
    await vote(people["bob"], poll)
    await vote(people["carol"], poll)
    await scheduler.at(utc(2026, 1, 8, 17, 0))  # 24 h before the close: 18:00 in Paris
    alert = alice.inbox()
    assert "Low participation: Budget 2027" in alert, alert
    assert "Local authorities: 0 of 1 (0%)" in alert and "Employees" not in alert
    assert f"/remind {poll}" in alert
    assert people["bob"].inbox().count("Low participation") == 0  # admins only
    pressed = await alice.say("1")  # the alert's button, typed: the chat's menu is the alert's
    assert "A reminder is on its way to 2 members" in pressed, pressed
    await scheduler.at(utc(2026, 1, 9, 17, 0))  # the close
    report = alice.inbox()
    assert "Poll 1 is closed" in report.replace(str(poll), "1") and "Final results" in report
    assert "secret key is erased" in report
    assert "poll-1-q1.png".replace("1", str(poll), 1) in report or ".png" in report
    assert "ballots.csv" in report and "results.json" in report
    for name in ("bob", "bea", "carol", "dave"):
        received = people[name].inbox()
        assert "Final results" in received and ".png" in received, (name, received)
        assert "ballots.csv" not in received  # exports are for admins and the board
    await scheduler.run()
    assert alice.inbox() == ""


async def test_closing_by_hand_sends_the_report_and_cancels_the_reminders(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    await scheduler.at(utc(2026, 1, 6, 9, 0))
    people["bob"].inbox()
    closed = await alice.say(f"/poll close {poll}")
    assert "is now closed" in closed
    await scheduler.run()
    assert "Final results" in people["bob"].inbox()
    for day in (7, 8, 9, 10):
        await scheduler.at(utc(2026, 1, day, 18, 0))
    assert people["bob"].inbox() == ""


async def test_remind_now_reaches_the_non_voters(shell, scheduler: Scheduler):  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll open {poll}")
    await scheduler.run()
    await vote(people["bob"], poll)
    for person in people.values():
        person.inbox()
    answer = await alice.say(f"/remind {poll}")
    assert "on its way to 1 member" in answer, answer
    await scheduler.run()
    assert "Reminder" in people["carol"].inbox() and people["bob"].inbox() == ""
    assert "only an administrator" in await people["bob"].say(f"/remind {poll}")


async def test_the_weekly_digest_arrives_in_each_board_members_language(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(
        shell, {"bob": "salaries", "carol": "usagers", "dave": "collectivites"}
    )
    for name in ("bob", "carol"):
        assert "board" in await alice.say(f"/role grant {name} board")
    await people["carol"].say("/language fr")
    poll = poll_id(await alice.say(FORM.replace("quorum: 50", "closes: 2026-01-14 18:00")))
    await alice.say(f"/poll open {poll}")
    await scheduler.run()
    await vote(people["bob"], poll)
    for person in (alice, *people.values()):
        person.inbox()
    await scheduler.at(utc(2026, 1, 12, 8, 0))  # Monday 09:00 in Paris
    await scheduler.digest_time()
    english = people["bob"].inbox()
    assert "Weekly digest" in english and "Budget 2027" in english, english
    assert "participation: 1 of 3" in english and "Employees: 1/1" in english
    french = people["carol"].inbox()
    assert "Synthèse de la semaine" in french and "Weekly digest" not in french, french
    assert "participation : 1 sur 3" in french and "Salariés : 1/1" in french
    assert "Weekly digest" not in people["dave"].inbox() + alice.inbox()  # the board only
    preview = await alice.say("/digest preview")
    assert "Weekly digest" in preview and "Budget 2027" in preview
    assert "Weekly digest" in await people["bob"].say("/digest preview")  # the board may
    assert "only an administrator" in await people["dave"].say("/digest preview")
    assert "only an administrator" in await people["bob"].say("/digest send")  # admins send
    assert "on its way to 2 board members" in await alice.say("/digest send")
    assert "sent a moment ago" in await alice.say("/digest send")  # one digest, not two
    await scheduler.run()
    assert people["bob"].inbox().count("Weekly digest") == 1


async def test_a_digest_sent_before_anyone_is_on_the_board_goes_once_the_role_is_given(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    assert "Nobody has the board role yet" in await alice.say("/digest send")
    assert "board" in await alice.say("/role grant bob board")
    assert "on its way to 1 board member" in await alice.say("/digest send")  # same minute
    await scheduler.run()
    assert people["bob"].inbox().count("Weekly digest") == 1


async def test_a_scheduled_poll_opened_early_by_hand_is_announced_at_once(  # type: ignore[no-untyped-def]
    shell, scheduler: Scheduler
):
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll schedule {poll} 2026-01-08 10:00 to 2026-01-09 18:00")
    assert "is now open" in await alice.say(f"/poll open {poll}")
    await scheduler.run()
    assert "New poll: Budget 2027" in people["bob"].inbox()
    await scheduler.at(utc(2026, 1, 8, 9, 0))  # the time it was first planned for
    assert "New poll" not in people["bob"].inbox()


async def test_a_cancelled_poll_sends_nothing_more(shell, scheduler: Scheduler):  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    await alice.say(f"/poll cancel {poll}")
    for day in (6, 7, 8, 9, 10):
        await scheduler.at(utc(2026, 1, day, 17, 0))
    assert people["bob"].inbox() == "" and alice.inbox() == ""


async def test_a_poll_planned_again_opens_at_its_new_time_only(shell, scheduler: Scheduler):  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries"})
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll schedule {poll} 2026-01-06 10:00 to 2026-01-09 18:00")
    assert "draft" in await alice.say(f"/poll unschedule {poll}")
    await alice.say(f"/poll schedule {poll} 2026-01-07 10:00 to 2026-01-12 18:00")
    await scheduler.at(utc(2026, 1, 6, 9, 0))  # the first time: nothing
    assert people["bob"].inbox() == ""
    await scheduler.at(utc(2026, 1, 7, 9, 0))
    assert "New poll: Budget 2027" in people["bob"].inbox()
    await scheduler.at(utc(2026, 1, 9, 17, 0))  # the first close: still open
    assert "Final results" not in people["bob"].inbox()
    await scheduler.at(utc(2026, 1, 12, 17, 0))
    assert "Final results" in people["bob"].inbox()
