"""Two people racing on a single-use code: exactly one wins (both databases)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.core.errors import DomainError
from bot.members.model import Role
from bot.members.service import MembersService
from bot.storage.tables import InvitationRow, MemberRow

pytestmark = pytest.mark.asyncio


async def test_single_use_code_admits_exactly_one(app) -> None:  # type: ignore[no-untyped-def]
    async with app.db.uow() as uow:
        service = MembersService(uow, app.organisation)
        admin = await service.bootstrap_admin("shell", "root", "Root", "fr")
        for key in ("a", "b", "c"):
            await service.add_college(admin, key, key.upper(), key.upper())
        invitation = await service.invite(admin, "a", Role.ASSOCIATE, 1, timedelta(days=1))
        await uow.commit()

    async def join(n: int) -> str:
        async with app.db.uow() as uow:
            try:
                await MembersService(uow, app.organisation).join_with_code(
                    "telegram", f"user{n}", f"User {n}", "fr", invitation.code
                )
                await uow.commit()
                return "joined"
            except DomainError as error:
                return error.key

    outcomes = await asyncio.gather(*(join(n) for n in range(10)))
    assert outcomes.count("joined") == 1
    assert set(outcomes) == {"joined", "invitation.used_up"}
    async with app.db.uow() as uow:
        uses = await uow.session.scalar(select(InvitationRow.uses))
        members = await uow.session.scalar(select(func.count()).select_from(MemberRow))
    assert uses == 1
    assert members == 2
