"""Fixtures of the scheduling service tests: members, a recording sender, dispatchers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.app import App
from bot.platforms.ports import ChatRef, MessageRef
from bot.scheduling.dispatcher import DispatcherConfig, JobDispatcher
from bot.scheduling.model import Delivery, SendOutcome
from bot.storage.schedule_tables import DeliveryRow, ScheduledJobRow
from bot.storage.tables import MemberRow


@dataclass
class RecordingSender:
    """Records every send; answers with a per-member scripted outcome (default: sent)."""

    sent: list[Delivery] = field(default_factory=list)
    outcomes: dict[int, Callable[[Delivery], SendOutcome]] = field(default_factory=dict)

    async def send(self, delivery: Delivery) -> SendOutcome:
        self.sent.append(delivery)
        script = self.outcomes.get(delivery.member_id)
        if script is not None:
            return script(delivery)
        chat = ChatRef("shell", f"user{delivery.member_id}", True)
        return SendOutcome.sent(MessageRef(chat, f"m{len(self.sent)}"))

    def member_ids(self) -> list[int]:
        return [d.member_id for d in self.sent]


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def org_id(app: App) -> int:
    return app.organisation.id


@pytest.fixture
def add_members(app: App, org_id: int):  # type: ignore[no-untyped-def]
    """``await add_members(n, preferences=...)`` -> member ids."""

    async def add(n: int, preferences: dict[str, Any] | None = None) -> list[int]:
        async with app.db.uow() as uow:
            rows = [
                {
                    "organisation_id": org_id,
                    "display_name": f"Member {i}",
                    "active": True,
                    "preferences": dict(preferences or {}),
                    "created_at": app.clock.now(),
                }
                for i in range(n)
            ]
            result = await uow.session.execute(
                insert(MemberRow).values(rows).returning(MemberRow.id)
            )
            ids = sorted(result.scalars().all())
            await uow.commit()
        return ids

    return add


@pytest.fixture
def make_dispatcher(app: App, sender: RecordingSender):  # type: ignore[no-untyped-def]
    def make(
        name: str = "w", config: DispatcherConfig | None = None, **kwargs: Any
    ) -> JobDispatcher:
        return JobDispatcher(app.db, kwargs.get("sender", sender), config, worker_id=name)

    return make


@pytest.fixture
def rows(app: App):  # type: ignore[no-untyped-def]
    """``await rows(DeliveryRow)`` -> every row of a schedule table, by id."""

    async def read(table: type[DeliveryRow] | type[ScheduledJobRow]) -> list[Any]:
        async with app.db.uow() as uow:
            found = list((await uow.session.scalars(select(table).order_by(table.id))).all())
            uow.session.expunge_all()  # keep them loaded after the unit of work ends
            return found

    return read
