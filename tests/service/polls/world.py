"""A small cooperative on a real database, for poll service and integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from fractions import Fraction
from typing import Any, TypeVar

import pytest

from bot.core.clock import FrozenClock
from bot.core.errors import DomainError
from bot.members.bootstrap import ensure_organisation
from bot.members.model import College, Member, Role, Statutes
from bot.members.repository import MemberRepository, OrganisationRepository
from bot.members.service import OrganisationInfo
from bot.polls.model import Audience, PollKind, PollSpec, ResultsVisibility, Secrecy
from bot.polls.questions import QuestionMethod, new_question
from bot.polls.service import PollsService
from bot.settings import OrganisationDefaults
from bot.storage.engine import create_engine
from bot.storage.uow import Database, UnitOfWork

T = TypeVar("T")

COLLEGES = (
    College("salaries", "Salariés", "Employees", Fraction(2, 5)),
    College("usagers", "Usagers", "Service users", Fraction(2, 5)),
    College("collectivites", "Collectivités", "Local authorities", Fraction(1, 5)),
)


@contextmanager
def refused(key: str) -> Iterator[None]:
    """Expect a DomainError with exactly this key."""
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.key == key, caught.value


class World:
    """An organisation with three collèges; helpers to add members and run use cases."""

    def __init__(self, db: Database, org: OrganisationInfo, clock: FrozenClock) -> None:
        self.db = db
        self.org = org
        self.clock = clock
        self._names = 0

    async def run(self, use_case: Callable[[PollsService], Awaitable[T]]) -> T:
        """Run a use case in its own unit of work and commit it (rolled back on error)."""
        async with self.db.uow() as uow:
            result = await use_case(PollsService(uow, self.org))
            await uow.commit()
            return result

    async def uow_run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run raw work in a unit of work and commit it."""
        async with self.db.uow() as uow:
            result = await work(uow)
            await uow.commit()
            return result

    async def set_statutes(self, **changes: Any) -> Statutes:
        """Write a new statutes version (three legal collèges by default)."""

        async def write(uow: UnitOfWork) -> Statutes:
            orgs = OrganisationRepository(uow.session)
            current = await orgs.current_statutes(self.org.id)
            fields: dict[str, Any] = {"colleges": COLLEGES, **changes}
            new = current.next_version(**fields)
            await orgs.add_statutes(self.org.id, new, self.clock.now(), None, "test")
            return new

        return await self.uow_run(write)

    async def member(
        self,
        name: str | None = None,
        college: str | None = None,
        roles: tuple[Role, ...] = (Role.PARTICIPANT, Role.ASSOCIATE),
        identities: tuple[tuple[str, str], ...] = (),
    ) -> Member:
        """Add a member (an associate by default) with optional platform identities."""
        self._names += 1
        name = name or f"member{self._names}"

        async def add(uow: UnitOfWork) -> Member:
            repo = MemberRepository(uow.session)
            member = await repo.add(
                self.org.id, name, list(roles), college, "fr", self.clock.now()
            )
            for platform, user_key in identities or (("shell", name),):
                await repo.add_identity(
                    self.org.id, member.id, platform, user_key, name, self.clock.now()
                )
            return member

        return await self.uow_run(add)

    async def admin(self) -> Member:
        """An administrator (not an associate)."""
        return await self.member("admin", None, (Role.PARTICIPANT, Role.ADMIN))

    async def associates(self, per_college: int) -> dict[str, list[Member]]:
        """``per_college`` associates in each collège."""
        return {
            c.key: [await self.member(college=c.key) for _ in range(per_college)] for c in COLLEGES
        }

    async def open_poll(self, admin: Member, spec: PollSpec) -> int:
        """Create and open a poll; returns its id."""
        poll = await self.run(lambda s: s.create(admin, spec))
        await self.run(lambda s: s.open(admin, poll.id))
        return poll.id

    def later(self, **delta: float) -> None:
        """Move the clock forward."""
        self.clock.advance(timedelta(**delta))


def deliberation(
    secrecy: Secrecy = Secrecy.SECRET,
    visibility: ResultsVisibility = ResultsVisibility.AFTER_CLOSE,
    **changes: Any,
) -> PollSpec:
    """A deliberation with a single-choice and a majority-judgment question."""
    fields: dict[str, Any] = {
        "title": "Budget 2027",
        "summary": "Adopter le budget et classer les projets.",
        "kind": PollKind.DELIBERATION,
        "audience": Audience(),
        "secrecy": secrecy,
        "visibility": visibility,
        "questions": (
            new_question("Adoptez-vous le budget ?", QuestionMethod.SINGLE, ["Pour", "Contre"]),
            new_question(
                "Évaluez les projets", QuestionMethod.JUDGMENT, ["Jardin", "Vélos", "Café"]
            ),
        ),
    }
    fields.update(changes)
    return PollSpec(**fields)


def consultation(*questions: Any, **changes: Any) -> PollSpec:
    """A consultation open to every member, with the given questions."""
    fields: dict[str, Any] = {
        "title": "Horaires",
        "kind": PollKind.CONSULTATION,
        "secrecy": Secrecy.NOMINATIVE,
        "questions": questions
        or (new_question("Quel horaire ?", QuestionMethod.SINGLE, ["Matin", "Soir"]),),
    }
    fields.update(changes)
    return PollSpec(**fields)


async def make_world(database_url: str, clock: FrozenClock) -> AsyncIterator[World]:
    """Build the world on a migrated database; dispose of it afterwards."""
    db = Database(create_engine(database_url), clock)
    org = await ensure_organisation(db, OrganisationDefaults(slug="test", name="Coop Test"))
    world = World(db, org, clock)
    await world.set_statutes()
    try:
        yield world
    finally:
        await db.dispose()
