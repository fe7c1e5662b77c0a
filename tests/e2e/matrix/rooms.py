"""Helpers of the room poll tests: a group room made before the bot starts, members added
straight to the database, and the ballot box read back."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient, RoomCreateResponse, RoomPreset
from sqlalchemy import func, select

from bot.app import App
from bot.members.model import Role
from bot.members.repository import MemberRepository
from bot.members.service import MembersService
from bot.platforms.matrix import polls
from bot.storage.poll_tables import AnswerRow, BallotRow, ParticipationRow
from tests.e2e.matrix.support import Member, MemberFactory, RunningBot, eventually, make_admin
from tests.matrix_harness import SynapseServer
from tests.matrix_harness.pytest_plugin import unique_localpart

MEGOLM = "m.megolm.v1.aes-sha2"


@dataclass(frozen=True)
class BotAccount:
    """The bot's Matrix id before the bot runs (what `matrix_member` needs to know)."""

    user_id: str


async def create_group_room(
    owner: AsyncClient, invite: Iterable[str], public: bool = False
) -> str:
    """A group room created by `owner`, with the invitations sent."""
    response = await owner.room_create(
        name="Coop",
        preset=RoomPreset.public_chat if public else RoomPreset.private_chat,
        invite=list(invite),
    )
    assert isinstance(response, RoomCreateResponse), response
    return str(response.room_id)


async def create_encrypted_group_room(owner: AsyncClient, invite: Iterable[str]) -> str:
    """A private group room with `m.room.encryption` (Megolm) from its creation."""
    created = await owner.room_create(
        name="Coop (encrypted)",
        preset=RoomPreset.private_chat,
        invite=list(invite),
        initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}
        ],
    )
    assert isinstance(created, RoomCreateResponse), created
    return str(created.room_id)


async def add_members(
    app: App, user_ids: Iterable[str], roles: Iterable[Role] = (), language: str = "en"
) -> dict[str, int]:
    """Matrix accounts made members (participants, plus `roles`): user id -> member id."""
    made: dict[str, int] = {}
    async with app.db.uow() as uow:
        service = MembersService(uow, app.organisation)
        repository = MemberRepository(uow.session)
        for user_id in user_ids:
            name = user_id[1:].split(":")[0]
            member = await service.add_plain_member("matrix", user_id, name, language)
            for role in roles:
                await repository.grant(member.id, role)
            made[user_id] = member.id
        await uow.commit()
    return made


async def ballots(app: App, poll_id: int) -> dict[int | None, str | None]:
    """The ballot box of a (nominative, one-question) poll: member id -> stored answer."""
    async with app.db.uow() as uow:
        rows = await uow.session.execute(
            select(BallotRow.member_id, AnswerRow.value)
            .join(AnswerRow, AnswerRow.ballot_id == BallotRow.id)
            .where(BallotRow.poll_id == poll_id)
        )
        found = list(rows)
    box = dict(found)
    assert len(box) == len(found), "a member has two ballots"
    return box


async def counts(app: App, poll_id: int) -> tuple[int, int]:
    """(ballots, participation register rows) of a poll."""
    async with app.db.uow() as uow:
        session = uow.session
        ballot_count = await session.scalar(
            select(func.count()).select_from(BallotRow).where(BallotRow.poll_id == poll_id)
        )
        signed = await session.scalar(
            select(func.count())
            .select_from(ParticipationRow)
            .where(ParticipationRow.poll_id == poll_id)
        )
    return int(ballot_count or 0), int(signed or 0)


def poll_number(text: str) -> int:
    """The number in "Draft poll N created"."""
    found = re.search(r"Draft poll (\d+) created", text)
    assert found, text
    return int(found[1])


def response(poll_event_id: str, answers: list[str], stable: bool = False) -> dict[str, Any]:
    """A poll response content, in the unstable (Element) or the stable form."""
    relates = {"rel_type": "m.reference", "event_id": poll_event_id}
    if stable:
        return {"m.relates_to": relates, "m.selections": answers}
    return {"m.relates_to": relates, polls.RESPONSE: {"answers": answers}}


def response_type(stable: bool) -> str:
    """The event type matching `response(..., stable)`."""
    return polls.STABLE_RESPONSE if stable else polls.RESPONSE


async def settled(bot: RunningBot, count: int, timeout: float = 30) -> None:  # noqa: ASYNC109
    """Wait until the bot has decided the fate of `count` poll responses and is idle."""
    stats = bot.adapter.room_polls.stats

    async def done() -> bool:
        return stats.settled >= count and not bot.adapter.workers.busy

    await eventually(done, timeout)


@dataclass(frozen=True)
class LunchCast:
    """The people of the room poll tests: the bot's account (registered, not running yet),
    Alice the admin, Bob and Carol associates (their member ids in `ids`), Dave a
    participant outside a deliberation's audience, Eve nobody's member."""

    account: Any
    alice: Member
    bob: Member
    carol: Member
    dave: Member
    eve: Member
    ids: dict[str, int]

    @property
    def people(self) -> tuple[Member, Member, Member, Member]:
        """Everyone invited by Alice."""
        return (self.bob, self.carol, self.dave, self.eve)


async def lunch_cast(
    app: App, synapse: SynapseServer, matrix_member: MemberFactory, *, encrypted: bool = False
) -> LunchCast:
    """Register the bot's account and the five people (e2e-capable clients if `encrypted`)."""
    localpart = unique_localpart("parvis")
    account = synapse.register(localpart, f"{localpart}-pw")
    stand_in = BotAccount(account.user_id)
    alice, bob, carol, dave, eve = [
        await matrix_member(stand_in, encrypted=encrypted, prefix=name)
        for name in ("alice", "bob", "carol", "dave", "eve")
    ]
    await make_admin(app, alice.user_id, "Alice", "en")
    ids = await add_members(app, [bob.user_id, carol.user_id], roles=[Role.ASSOCIATE])
    await add_members(app, [dave.user_id])  # a participant: not in the poll's audience
    return LunchCast(account, alice, bob, carol, dave, eve, ids)


async def answer_lunch(cast: LunchCast, room: str, poll_event: str) -> str:
    """The seven responses of the room poll tests (both forms, a change of mind, strangers,
    a wrong answer, too many answers); returns the event id of the first."""

    async def answer(person: Member, answers: list[str], stable: bool = False) -> str:
        content = response(poll_event, answers, stable)
        return await person.send_content(content, response_type(stable), room_id=room)

    first = await answer(cast.bob, ["a1"])  # unstable form
    await answer(cast.carol, ["a3"], stable=True)  # stable form (m.selections)
    await answer(cast.dave, ["a1"])  # a member outside the audience
    await answer(cast.eve, ["a1"])  # not a member
    await answer(cast.bob, ["a2", "a3"], stable=True)  # bob changes his mind: only this counts
    await answer(cast.carol, ["a9"])  # no such answer: ignored, carol's ballot stays
    await answer(cast.bob, ["a1", "a2", "a3"])  # more than max_selections: the first two count
    return first
