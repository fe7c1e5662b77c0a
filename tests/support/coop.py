"""A small cooperative set up through the shell, as an admin would do it."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support.shell import ShellConversation

COLLEGES = (
    ("salaries", "Salariés | Employees"),
    ("usagers", "Usagers | Service users"),
    ("collectivites", "Collectivités | Local authorities"),
)


async def set_up_coop(
    shell: Callable[..., ShellConversation], people: dict[str, str], language: str = "en"
) -> tuple[ShellConversation, dict[str, ShellConversation]]:
    """Alice is admin; `people` maps a name to its collège; each joins with an invitation."""
    alice = shell("alice", language)
    await alice.say(f"/language {language}")
    for key, names in COLLEGES:
        await alice.say(f"/college add {key} {names}")
    await alice.say("/weights 40/40/20")
    members: dict[str, ShellConversation] = {}
    for name, college in people.items():
        answer = await alice.say(f"/invite {college}")
        code = re.search(r"(?:code|Code d’invitation) ?: (\w+)", answer)
        assert code, answer
        person = shell(name, language)
        joined = await person.say(f"/start {code[1]}")
        assert name in joined.lower(), joined
        await person.say(f"/language {language}")
        members[name] = person
    return alice, members
