"""More commands on Telegram, through the real adapter and the Bot API emulator: `/polls` (what
one may answer, with status and buttons), `/results N` and `/ballots N` for members, `/cancel` in
the middle of a ballot (nothing written), `/remind N` (admins; only non-voters reminded),
`/digest preview|send` (admins; the board receives it), `/poll edit N` (drafts only) and
`/poll archive N` (after the close). The shell versions: tests/acceptance/test_polls_shell.py and
tests/service/jobs/test_jobs_polls_shell.py."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.jobs.service import build_scheduling
from bot.scheduling.dispatcher import DispatcherConfig
from bot.scheduling.runner import Scheduling
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow, PollRow, QuestionRow
from bot.storage.tables import ConversationRow
from tests.e2e.telegram.telegram_e2e_support import Bot, User
from tests.e2e.telegram.test_telegram_polls import set_up_coop

# The frozen clock starts on Monday 2026-01-05 09:00 UTC (10:00 in Paris): "7d" closes on the 12th.
FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; closes: 7d; "
    "q: Do you approve the budget? | single | Yes | No; "
    "q: Rate the projects | judgment | Pool | Library"
)
REFUSED = "Sorry, only an administrator can do that. Nothing was changed."
NOT_A_MEMBER = "You are not a member yet."


def poll_id(text: str) -> int:
    found = re.search(r"Draft poll (\d+) created", text)
    assert found, text
    return int(found[1])


def texts(user: User, since: int) -> str:
    return "\n".join(m.text or "" for m in user.messages()[since:])


def scheduling_of(bot: Bot) -> Scheduling:
    return build_scheduling(
        bot.app, frozenset({"telegram"}), DispatcherConfig(max_in_flight=2), worker_id="e2e"
    )


async def vote(user: User, poll: int, *lines: str) -> str:
    """Answer by typing; the receipt code (secret polls) or the last answer."""
    for line in (f"/vote {poll}", *lines, "send"):
        answer = await user.say(line)
    assert "your ballot is recorded" in answer, answer
    receipt = re.search(r"receipt code: ([\w-]+)", answer)
    return receipt[1] if receipt else answer


async def ballot_box(bot: Bot, poll: int) -> dict[str, Any]:
    """Everything a ballot writes, for one poll."""
    async with bot.app.db.uow() as uow:
        s = uow.session
        ballots = (
            await s.execute(
                select(BallotRow.id, BallotRow.receipt, BallotRow.submitted_at).where(
                    BallotRow.poll_id == poll
                )
            )
        ).all()
        answers = (
            await s.execute(
                select(AnswerRow.ballot_id, AnswerRow.question_id, AnswerRow.value)
                .join(BallotRow, BallotRow.id == AnswerRow.ballot_id)
                .where(BallotRow.poll_id == poll)
            )
        ).all()
        register = (
            await s.execute(
                select(ParticipationRow.member_id, ParticipationRow.submissions).where(
                    ParticipationRow.poll_id == poll
                )
            )
        ).all()
    return {
        "ballots": sorted(map(tuple, ballots)),
        "answers": sorted(map(tuple, answers)),
        "register": sorted(map(tuple, register)),
    }


async def conversation_of(bot: Bot, user: User) -> str | None:
    member = (await bot.member_ids())[user.key]
    async with bot.app.db.uow() as uow:
        return await uow.session.scalar(
            select(ConversationRow.kind).where(ConversationRow.member_id == member)
        )


async def poll_row(bot: Bot, poll: int) -> tuple[str, str, Any, int]:
    """Status, title, closing time and number of questions of a poll, from the database."""
    async with bot.app.db.uow() as uow:
        row = await uow.session.get(PollRow, poll)
        assert row is not None
        questions = await uow.session.scalar(
            select(func.count()).select_from(QuestionRow).where(QuestionRow.poll_id == poll)
        )
        return row.status, row.title, row.closes_at, questions or 0


async def test_polls_lists_what_each_member_may_answer_with_status_and_buttons(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers")})
    bob, carol = people["Bob"], people["Carol"]
    assert "There is no open poll for you at the moment." in await bob.say("/polls")
    budget = poll_id(await alice.say(FORM))
    draft = poll_id(await alice.say("/poll new Still a draft; q: Ready? | single | Yes | No"))
    users = poll_id(
        await alice.say(
            "/poll new Users only; summary: For the service users; audience: usagers; "
            "q: Longer opening hours? | single | Yes | No"
        )
    )
    for poll in (budget, users):
        assert "is now open" in await alice.say(f"/poll open {poll}")

    listed = await bob.say("/polls")
    assert listed.startswith("Open polls"), listed
    assert f"{budget}. Budget 2027 (not answered yet — closes 1/12/26" in listed
    assert "Press a button, or type /vote followed by the poll number." in listed
    assert "Still a draft" not in listed and "Users only" not in listed  # draft; not his collège
    menu = bob.messages()[-1]
    assert menu.callback_data == [f"ans:{budget}"]
    assert [b["text"] for b in menu.buttons] == [f"Answer {budget}"]

    before = len(bob.messages())
    await bob.press(menu, f"ans:{budget}")  # the button starts the ballot
    started = texts(bob, before)
    assert "Budget 2027 — question 1/2" in started and "2 questions." in started, started
    assert f"pick:{budget}:1:1" in bob.messages()[-1].callback_data
    for line in ("1", "1:1 2:2"):
        await bob.say(line)
    assert "receipt code" in await bob.say("send")

    listed = await bob.say("/polls")
    assert f"{budget}. Budget 2027 (answered — you can change it until 1/12/26" in listed
    assert [b["text"] for b in bob.messages()[-1].buttons] == [f"Change my answer to {budget}"]

    listed = await carol.say("/polls")
    assert f"{budget}. Budget 2027 (not answered yet — closes 1/12/26" in listed
    assert f"{users}. Users only (not answered yet)\n   For the service users" in listed
    assert carol.messages()[-1].callback_data == [f"ans:{budget}", f"ans:{users}"]
    assert f"{draft}." not in listed
    assert NOT_A_MEMBER in await bot.user(1099, "Zoé", "en").say("/polls")


async def test_results_and_published_ballots_for_members(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers")})
    bob, carol = people["Bob"], people["Carol"]
    budget = poll_id(await alice.say(FORM))
    canteen = poll_id(
        await alice.say(
            "/poll new Canteen; secret: no; results: live; q: Fish on Friday? | single | Yes | No"
        )
    )
    for poll in (budget, canteen):
        await alice.say(f"/poll open {poll}")

    live = await bob.say(f"/results {canteen}")  # visible live: provisional results
    assert "Results — Canteen\nProvisional results (the poll is open)" in live, live
    assert "Participation: 0 of 3 (0%)" in live  # all members: Alice too
    await vote(bob, canteen, "1")
    live = await carol.say(f"/results {canteen}")
    assert "Participation: 1 of 3 (33.3%)" in live and "• Yes: 1 vote (100%)" in live, live

    hidden = f"The results of poll {budget} are not available to you yet."
    assert hidden in await bob.say(f"/results {budget}")  # after the close only
    assert hidden in await bob.say(f"/ballots {budget}")
    receipts = {
        "Bob": await vote(bob, budget, "1", "1:1 2:2"),
        "Carol": await vote(carol, budget, "2", "1:1 2:2"),
    }
    assert hidden in await carol.say(f"/results {budget}")
    assert f"Poll {budget} is now closed." in await alice.say(f"/poll close {budget}")

    before = len(bob.messages())
    results = await bob.say(f"/results {budget}")
    assert "Results — Budget 2027\nFinal results\nParticipation: 2 of 2 (100%)" in results
    assert "• Yes: 1 vote (50%) · weighted 50%" in results
    assert "• No: 1 vote (50%) · weighted 50%" in results
    assert "• Pool: majority grade Excellent" in results
    assert any(m.kind == "photo" and m.photo for m in bob.messages()[before:])  # the chart

    before = len(carol.messages())
    published = await carol.say(f"/ballots {budget}")
    assert published.startswith(f"Published ballots of poll {budget}\nFind your receipt code")
    assert f"{receipts['Bob']} — - — Yes; Pool: Excellent; Library: Très bien" in published
    assert f"{receipts['Carol']} — - — No; Pool: Excellent; Library: Très bien" in published
    files = [m for m in carol.messages()[before:] if m.kind == "document"]
    assert (
        len(files) == 1
        and files[0].file
        and files[0].file.file_name == (f"poll-{budget}-receipts.csv")
    )
    csv_text = (files[0].document or b"").decode()
    assert csv_text.startswith("receipt,college,answers")
    assert all(receipt in csv_text for receipt in receipts.values())

    assert "There is no poll number 99." in await bob.say("/results 99")
    assert "Usage: /results NUMBER" in await bob.say("/results")
    assert "Usage: /ballots NUMBER" in await bob.say("/ballots soon")
    zoe = bot.user(1099, "Zoé", "en")
    assert NOT_A_MEMBER in await zoe.say(f"/results {budget}")
    assert NOT_A_MEMBER in await zoe.say(f"/ballots {budget}")


async def test_cancel_in_the_middle_of_a_ballot_writes_nothing(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries")})
    bob = people["Bob"]
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll open {poll}")
    empty = await ballot_box(bot, poll)

    await bob.say(f"/vote {poll}")
    screen = bob.messages()[-1]
    await bob.press(screen, f"pick:{poll}:1:1")  # "Yes", by the button: the screen is edited
    assert "question 2/2" in (screen.text or "")
    assert await conversation_of(bot, bob) == "ballot"
    assert await bob.say("/cancel") == "Cancelled. Nothing was changed."
    assert await ballot_box(bot, poll) == empty
    assert await conversation_of(bot, bob) is None

    before = len(bob.messages())
    await bob.press(screen, f"grade:{poll}:2:1")  # the old screen's buttons are dead
    stale = "This button is no longer valid. Please start again."
    assert stale in texts(bob, before)
    assert bot.emu.callback_answers[-1].text == stale
    assert "I did not understand" in await bob.say("send")  # no ballot to send any more
    assert await bob.say("/cancel") == "There is nothing to cancel."
    assert await ballot_box(bot, poll) == empty

    receipt = await vote(bob, poll, "1", "1:1 2:2")  # a ballot: Yes
    sent = await ballot_box(bot, poll)
    assert len(sent["ballots"]) == 1 and len(sent["answers"]) == 2
    for line in (f"/vote {poll}", "2", "1:7 2:7"):  # changing it to No, rejecting all…
        answer = await bob.say(line)
    assert "review" in answer.lower() and "No" in answer, answer
    assert await bob.say("/cancel") == "Cancelled. Nothing was changed."
    assert await ballot_box(bot, poll) == sent  # …then cancelled: the ballot is as it was
    assert await conversation_of(bot, bob) is None

    closed = await alice.say(f"/poll close {poll}")
    assert "• Yes: 1 vote (100%)" in closed and "Pool: majority grade Excellent" in closed
    assert receipt in await bob.say(f"/ballots {poll}")


async def test_remind_now_reaches_only_those_who_have_not_answered(bot: Bot) -> None:
    scheduling = scheduling_of(bot)
    alice, people = await set_up_coop(
        bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers"), "Dave": (1004, "usagers")}
    )
    bob, carol, dave = people["Bob"], people["Carol"], people["Dave"]
    poll = poll_id(await alice.say(FORM))
    assert f"Poll {poll} is not open yet." in await alice.say(f"/remind {poll}")
    await alice.say(f"/poll open {poll}")
    await scheduling.dispatcher.dispatch_once()  # the announcements
    await vote(bob, poll, "1", "1:1 2:2")
    marks = {u.key: len(u.messages()) for u in (alice, bob, carol, dave)}

    before = await bot.snapshot()
    assert REFUSED in await bob.say(f"/remind {poll}")
    assert await bot.snapshot() == before
    await scheduling.dispatcher.dispatch_once()
    assert "Reminder" not in texts(carol, marks[carol.key])  # nothing was planned

    answer = await alice.say(f"/remind {poll}")
    assert answer == "✅ A reminder is on its way to 2 members who have not answered yet.", answer
    await scheduling.dispatcher.dispatch_once()
    for person in (carol, dave):
        reminded = texts(person, marks[person.key])
        assert reminded.count("Reminder: Budget 2027") == 1, reminded
        assert f"To answer, press the button or type /vote {poll}." in reminded
        assert f"ans:{poll}" in person.messages()[-1].callback_data
    assert "Reminder" not in texts(bob, marks[bob.key])
    assert "Reminder" not in texts(alice, marks[alice.key])
    assert "There is no poll number 99." in await alice.say("/remind 99")
    assert "Usage: /remind NUMBER" in await alice.say("/remind")


async def test_digest_preview_and_send_reach_the_board_only(bot: Bot) -> None:
    scheduling = scheduling_of(bot)
    alice, people = await set_up_coop(
        bot, {"Bob": (1002, "salaries"), "Carol": (1003, "usagers"), "Dave": (1004, "usagers")}
    )
    bob, carol, dave = people["Bob"], people["Carol"], people["Dave"]
    everyone = (alice, bob, carol, dave)
    poll = poll_id(await alice.say(FORM))
    await alice.say(f"/poll open {poll}")
    await scheduling.dispatcher.dispatch_once()  # the announcements
    await vote(bob, poll, "1", "1:1 2:2")
    marks = {u.key: len(u.messages()) for u in everyone}

    nobody = await alice.say("/digest send")
    assert "Nobody has the board role yet: give it with /role grant NAME board." in nobody
    await scheduling.dispatcher.dispatch_once()
    assert not any("Weekly digest" in texts(u, marks[u.key]) for u in everyone)

    assert "board" in await alice.say("/role grant Carol board")
    before = await bot.snapshot()
    assert REFUSED in await bob.say("/digest preview")
    assert REFUSED in await bob.say("/digest send")
    assert await bot.snapshot() == before

    preview = await alice.say("/digest preview")
    assert preview.startswith("Weekly digest — Coop Test\nOpen polls (1)"), preview
    assert f"• {poll}. Budget 2027\n  participation: 1 of 3 (33.3%)" in preview
    assert "Employees: 1/1 (100%)" in preview and "Service users: 0/2 (0%)" in preview
    assert "Usage: /digest preview|send" in await alice.say("/digest later")
    assert (await carol.say("/digest preview")).startswith("Weekly digest")  # the board may

    marks = {u.key: len(u.messages()) for u in everyone}
    sent = await alice.say("/digest send")  # the same minute as the refused one above
    assert sent == "✅ The digest is on its way to 1 board member.", sent
    assert "sent a moment ago" in await alice.say("/digest send")  # one digest, not two
    await scheduling.dispatcher.dispatch_once()
    received = texts(carol, marks[carol.key])
    assert received.count("Weekly digest — Coop Test") == 1, received
    assert f"• {poll}. Budget 2027\n  participation: 1 of 3 (33.3%)" in received
    assert "Weekly digest" not in texts(alice, marks[alice.key])
    for person in (bob, dave):
        assert "Weekly digest" not in texts(person, marks[person.key])


async def test_poll_edit_only_while_draft_and_archive_after_close(bot: Bot) -> None:
    alice, people = await set_up_coop(bot, {"Bob": (1002, "salaries")})
    bob = people["Bob"]
    poll = poll_id(await alice.say(FORM))
    _, _, closes, _ = await poll_row(bot, poll)

    edited = await alice.say(
        f"/poll edit {poll} title: Budget 2028; closes: 14d; "
        "q: Do you approve the budget? | single | Yes | No | Later"
    )
    assert f"Budget 2028\nPoll {poll} — draft" in edited, edited
    assert (
        "Closes: 1/19/26" in edited and "3. Later" in edited and "Rate the projects" not in edited
    )
    status, title, new_closes, questions = await poll_row(bot, poll)
    assert (status, title, questions) == ("draft", "Budget 2028", 1)
    assert new_closes - closes == timedelta(days=7)

    draft = await poll_row(bot, poll)
    before = await bot.snapshot()
    assert REFUSED in await bob.say(f"/poll edit {poll} title: Mine")
    assert "“sometimes” is not one of the possible values here." in await alice.say(
        f"/poll edit {poll} type: sometimes"
    )
    assert f"Poll {poll} is draft: it cannot become archived." in await alice.say(
        f"/poll archive {poll}"
    )
    assert await poll_row(bot, poll) == draft and await bot.snapshot() == before

    await alice.say(f"/poll open {poll}")
    opened = await poll_row(bot, poll)
    before = await bot.snapshot()
    too_late = await alice.say(f"/poll edit {poll} title: Budget 2029")
    assert too_late == (
        f"❌ Poll {poll} can no longer be changed: only a draft can be edited (it is open)."
    )
    assert f"Poll {poll} is open: it cannot become archived." in await alice.say(
        f"/poll archive {poll}"
    )
    assert await poll_row(bot, poll) == opened and await bot.snapshot() == before

    await vote(bob, poll, "1")
    await alice.say(f"/poll close {poll}")
    assert await alice.say(f"/poll archive {poll}") == f"✅ Poll {poll} is now archived."
    assert (await poll_row(bot, poll))[0] == "archived"
    assert f"{poll}. Budget 2028 — archived — 1 ballot" in await alice.say("/poll list")
    assert "it is archived" in await alice.say(f"/poll edit {poll} title: Budget 2029")
    assert "is archived: it cannot become archived" in await alice.say(f"/poll archive {poll}")
    assert (await poll_row(bot, poll))[1] == "Budget 2028"
    kept = await bob.say(f"/results {poll}")  # an archived poll's results stay readable
    assert "Final results" in kept and "• Yes: 1 vote (100%)" in kept, kept
