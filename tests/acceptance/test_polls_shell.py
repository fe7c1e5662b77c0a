"""Poll engine acceptance on the shell adapter (both databases): the issue's scenario."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.coop import set_up_coop
from tests.support.snapshots import snapshot

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]

PEOPLE = {
    "bob": "salaries",
    "bea": "salaries",
    "carol": "usagers",
    "cyril": "usagers",
    "chloe": "usagers",
    "dave": "collectivites",
}
FORM = (
    "/poll new Budget 2027; type: deliberation; secret: yes; closes: 7d; "
    "q: Do you approve the 2027 budget? | single | Yes | No; "
    "q: Rate the projects | judgment | Pool | Library | Park"
)


def _poll_id(text: str) -> int:
    found = re.search(r"Draft poll (\d+) created", text)
    assert found, text
    return int(found[1])


async def test_secret_deliberation_end_to_end(shell, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, PEOPLE)
    created = await alice.say(FORM)
    poll = _poll_id(created)
    assert "secret ballot" in created and "majority judgment" in created
    assert f"Poll {poll} is now open" in await alice.say("[1]")  # the "Open now" button

    receipts: dict[str, str] = {}

    async def vote(name: str, *lines: str) -> str:
        person = people[name]
        out = await person.say(f"/vote {poll}", *lines)
        receipt = re.search(r"receipt code: ([\w-]+)", out)
        assert receipt, out
        receipts[name] = receipt[1]
        return out

    # typing everything
    await vote("bob", "1", "1:1 2:3 3:5", "send")
    # pressing buttons: [1] = first option; grades one option at a time; [1] on review = send
    await vote("bea", "[1]", "[2]", "[3]", "[1]", "[1]")
    await vote("carol", "2", "2 2 2", "send")
    await vote("cyril", "[2]", "1:7 2:1 3:1", "[1]")
    await vote("chloe", "blank", "1:3 2:3 3:3", "send")
    await vote("dave", "1", "Bien, Bien, Excellent", "send")
    # carol changes her mind: same receipt, ballot replaced
    changed = await people["carol"].say(f"/vote {poll}", "1", "2 2 2", "send")
    assert "replaces the previous one" in changed
    assert receipts["carol"] in changed

    closed = await alice.say(f"/poll close {poll}")
    assert "secret key is erased" in closed
    assert "Participation: 6 of 6" in closed
    assert "Employees: 2/2" in closed and "Service users: 3/3" in closed
    assert "Weighted by collège: Local authorities 20%, Employees 40%, Service users 40%" in closed
    # yes: bob, bea (employees 2/2), carol (users 1 of 2 valid; chloe blank), dave; no: cyril
    # weighted yes = 2/5 × 1 + 2/5 × 1/2 + 1/5 × 1 = 4/5
    assert "Yes: 4 votes (80%) · weighted 80%" in closed
    assert "No: 1 vote (20%) · weighted 20%" in closed
    assert "fewer than 5 ballots, not shown separately" in closed
    assert "Majority 50%: reached (80%)" in closed
    assert "Result: Yes" in closed

    # voters check their receipts in the published list
    published = await people["bob"].say(f"/ballots {poll}")
    for name, receipt in receipts.items():
        assert receipt in published, name

    # the export recounts to the same results
    export = await alice.say(f"/poll export {poll}")
    files = re.findall(r"📎 .*: (\S+\.json)", export)
    assert len(files) == 2
    document = json.loads(Path(files[0]).read_text("utf-8"))  # noqa: ASYNC240
    assert {ballot.get("receipt") for ballot in document["ballots"]} == set(receipts.values())
    recount = subprocess.run(  # noqa: ASYNC221
        [sys.executable, "-m", "bot", "tally", files[0]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recount.returncode == 0, recount.stderr
    result = json.loads(recount.stdout)
    assert result["winner"] == "A"
    assert result["weighted"]["shares"] == {"A": "4/5", "B": "1/5"}
    assert result["headcount"]["counts"] == {"A": 4, "B": 1}


async def test_refusals_change_nothing(shell, app) -> None:  # type: ignore[no-untyped-def]
    alice, people = await set_up_coop(shell, {"bob": "salaries", "carol": "usagers"})
    poll = _poll_id(await alice.say(FORM))
    outsider = shell("zoe", "en")
    before = await snapshot(app.db)
    assert "not open yet" in await people["bob"].say(f"/vote {poll}")
    assert "not a member" in await outsider.say(f"/vote {poll}")
    assert "only an administrator" in await people["bob"].say(f"/poll open {poll}")
    assert await snapshot(app.db) == before
    await alice.say(f"/poll open {poll}")
    bob = people["bob"]
    before = await snapshot(app.db)
    assert "There is no choice 3" in await bob.say(f"/vote {poll}", "3")
    assert "is not a grade" in await bob.say("1", "1:9")
    assert "There is no poll number 99" in await bob.say("/vote 99")
    await bob.say("/cancel")
    assert await snapshot(app.db) == before
    await bob.say(f"/vote {poll}", "1", "1 1 1", "send")
    await alice.say(f"/poll close {poll}")
    before = await snapshot(app.db)
    assert "is closed" in await people["carol"].say(f"/vote {poll}")
    assert "is closed" in await bob.say(f"/vote {poll}")
    assert await snapshot(app.db) == before
