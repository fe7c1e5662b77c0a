"""Roster import from a CSV file in the shell: one invitation per good line, bad lines named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.snapshots import snapshot

pytestmark = pytest.mark.asyncio

ROSTER = """nom;collège;rôle;contact
Awa Diallo;salaries;associate;awa@example.org
Chloé Bernard;usagers;;
Jean Sans Collège;;associate;
Inconnu;nowhere;associate;
Élise Moreau;usagers;board;
;usagers;associate;
Zoé;usagers;emperor;
"""


async def test_roster_import(shell, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alice = shell("alice", "en")
    await alice.say(
        "/language en",
        "/college add salaries Salariés | Employees",
        "/college add usagers Usagers | Service users",
        "/college add collectivites Collectivités | Local authorities",
    )
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, "utf-8")
    answer = await alice.say(f"/roster import {path}")
    assert "3 invitations created" in answer
    assert "4 lines were skipped" in answer
    assert "line 4: an associate needs a collège" in answer
    assert "line 5: there is no collège “nowhere”" in answer
    assert "line 7: the name is missing" in answer
    assert "line 8: “emperor” is not a role" in answer
    codes = dict(
        re.findall(
            r"^(Awa Diallo|Chloé Bernard|Élise Moreau) — \S+ — (\w+)$", answer, re.MULTILINE
        )
    )
    assert len(codes) == 3
    attachment = re.search(r"📎 .*: (\S+)", answer)
    assert attachment
    exported = Path(attachment[1]).read_text("utf-8")  # noqa: ASYNC240
    assert "Awa Diallo,salaries,associate,awa@example.org," in exported
    joined = await shell("awa", "en").say(f"/start {codes['Awa Diallo']}")
    assert "Awa Diallo" in joined
    assert "roster.import" in await alice.say("/audit 5")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "could not read"),
        (b"who,what\nx,y\n", "needs a “name” column"),
    ],
)
async def test_malformed_rosters_change_nothing(  # type: ignore[no-untyped-def]
    shell, app, tmp_path: Path, content: bytes, expected: str
) -> None:
    alice = shell("alice", "en")
    await alice.say(
        "/language en",
        "/college add salaries S",
        "/college add usagers U",
        "/college add collectivites C",
    )
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = await snapshot(app.db)
    assert expected in await alice.say(f"/roster import {path}")
    assert await snapshot(app.db) == before
