"""One-statement "insert or update" of a row by its primary key, on SQLite and PostgreSQL."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import attributes
from sqlalchemy.sql.dml import Insert

from bot.storage.base import Base


async def upsert(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> None:
    """Write `values` (primary key included) in one statement, whether the row exists or not.

    Replaces "read the row, then insert or update it" (two statements) on hot paths. The
    statement is built once per table, dialect and set of columns. A copy of the row already
    loaded in this session is brought in step, so later reads through the ORM see the new
    values.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    statement, keys = _statement(model, postgres, tuple(values))
    connection = await session.connection()
    await connection.execute(statement, values)
    identity = session.identity_key(model, tuple(values[k] for k in keys))
    loaded = session.identity_map.get(identity)
    if loaded is not None:
        for name, value in values.items():
            if name not in keys:
                attributes.set_committed_value(loaded, name, value)


@cache
def _statement(
    model: type[Base], postgres: bool, names: tuple[str, ...]
) -> tuple[Insert, list[str]]:
    table = model.__table__
    assert isinstance(table, Table)
    keys = [column.name for column in table.primary_key.columns]
    statement = (pg_insert if postgres else sqlite_insert)(table)
    changes = {name: statement.excluded[name] for name in names if name not in keys}
    upserting: Insert = statement.on_conflict_do_update(index_elements=keys, set_=changes)
    return upserting, keys
