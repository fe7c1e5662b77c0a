"""Shared set-up of the poll benchmarks: throwaway migrated databases and a small cooperative."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from fractions import Fraction
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.clock import SystemClock
from bot.members.bootstrap import ensure_organisation
from bot.members.model import College, Member, Role, Statutes
from bot.members.repository import MemberRepository, OrganisationRepository
from bot.members.service import OrganisationInfo
from bot.settings import OrganisationDefaults
from bot.storage import migrations
from bot.storage.engine import create_engine
from bot.storage.uow import Database

PG_ADMIN_URL = os.environ.get(
    "PARVIS_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
COLLEGES = (
    College("salaries", "Salariés", "Employees", Fraction(3, 10)),
    College("usagers", "Usagers", "Users", Fraction(3, 10)),
    College("benevoles", "Bénévoles", "Volunteers", Fraction(1, 5)),
    College("collectivites", "Collectivités", "Authorities", Fraction(1, 5)),
)


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    """A fresh database migrated to head, dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parvis-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await asyncio.to_thread(migrations.upgrade, url)
            yield url
        return
    name = f"parvis_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    try:
        await asyncio.to_thread(migrations.upgrade, url)
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def cooperative(url: str) -> tuple[Database, OrganisationInfo, Member]:
    """An organisation with four collèges (30/30/20/20) and an admin."""
    db = Database(create_engine(url), SystemClock())
    org = await ensure_organisation(db, OrganisationDefaults(slug="bench", name="Bench"))
    async with db.uow() as uow:
        await OrganisationRepository(uow.session).add_statutes(
            org.id, Statutes(version=1, colleges=COLLEGES), uow.clock.now(), None, "bench"
        )
        admin = await MemberRepository(uow.session).add(
            org.id, "admin", [Role.ADMIN], None, "fr", uow.clock.now()
        )
        await uow.commit()
    return db, org, admin


def describe_machine() -> str:
    """CPU model and count, for the results file."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPU"
