"""Whole-database snapshots, to prove that a refused action changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.models import metadata
from bot.storage.uow import Database

# Bookkeeping of the conversation itself, not state a person could change.
IGNORED = {"processed_events", "chat_menus", "adapter_state"}


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every domain table, sorted."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    async with db.uow() as uow:
        for table in metadata.sorted_tables:
            if table.name in IGNORED:
                continue
            rows = (await uow.session.execute(select(table))).all()
            result[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return result
