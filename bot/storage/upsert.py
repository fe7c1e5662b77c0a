"""One-statement "insert or update" of a row by its primary key, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Delete, Table, bindparam, delete, literal, select
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
    table = _table(model)
    insert = pg_insert if postgres else sqlite_insert
    return _on_conflict_update(insert(table), names), _keys(table)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _keys(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _on_conflict_update(statement: Any, names: tuple[str, ...]) -> Insert:
    """`statement` (an INSERT of `names`), updating those columns when the key exists."""
    keys = _keys(statement.table)
    changes = {name: statement.excluded[name] for name in names if name not in keys}
    upserting: Insert = statement.on_conflict_do_update(index_elements=keys, set_=changes)
    return upserting


#: `session.info` key: writes held until the transaction commits, by (model, primary key).
_DEFERRED = "parvis.deferred_writes"


@dataclass(frozen=True, slots=True)
class _Deletion:
    """A deferred DELETE of one row, by its primary key's values."""

    key: dict[str, Any]


def defer_upsert(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> None:
    """`upsert` at commit time (`flush_deferred`), merged with the other deferred writes.

    For rows nobody reads back through SQL in the same transaction (the chat's last menu, a
    conversation whose repository remembers what it wrote). On PostgreSQL all deferred
    writes go in one statement, one round trip; a later one for the same row replaces an
    earlier one.
    """
    key = (model, tuple(values[name] for name in _keys(_table(model))))
    session.info.setdefault(_DEFERRED, {})[key] = values


def defer_delete(session: AsyncSession, model: type[Base], primary_key: tuple[Any, ...]) -> None:
    """Delete a row at commit time, with the other deferred writes (replaces a deferred
    upsert of the same row)."""
    names = _keys(_table(model))
    deletion = _Deletion(dict(zip(names, primary_key, strict=True)))
    session.info.setdefault(_DEFERRED, {})[(model, tuple(primary_key))] = deletion


def discard_deferred(session: AsyncSession) -> None:
    """Forget every deferred write (the transaction is rolled back)."""
    session.info.pop(_DEFERRED, None)


async def flush_deferred(session: AsyncSession) -> None:
    """Write the deferred writes now (before a commit, or before reading their tables)."""
    deferred: dict[Any, dict[str, Any] | _Deletion] = session.info.pop(_DEFERRED, {})
    if not deferred:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    if not postgres or len(deferred) == 1:
        for (model, _key), write in deferred.items():
            if isinstance(write, _Deletion):
                connection = await session.connection()
                await connection.execute(_deletion(model), write.key)
            else:
                await upsert(session, model, write)
        return
    shape = tuple(
        (model, tuple(write.key), True)
        if isinstance(write, _Deletion)
        else (model, tuple(write), False)
        for (model, _key), write in deferred.items()
    )
    params = {
        f"d{number}_{name}": value
        for number, write in enumerate(deferred.values())
        for name, value in (write.key if isinstance(write, _Deletion) else write).items()
    }
    connection = await session.connection()
    await connection.execute(_merged(shape), params)


@cache
def _deletion(model: type[Base], prefix: str = "") -> Delete:
    """DELETE of one row by its primary key (bound as ``{prefix}{column}``)."""
    table = _table(model)
    return delete(table).where(
        *(table.c[name] == bindparam(f"{prefix}{name}") for name in _keys(table))
    )


@cache
def _merged(shape: tuple[tuple[type[Base], tuple[str, ...], bool], ...]) -> Any:
    """One statement of several writes (data-modifying CTEs), built once per shape."""
    ctes = []
    for number, (model, names, deleting) in enumerate(shape):
        if deleting:
            ctes.append(_deletion(model, f"d{number}_").cte(f"deferred_{number}"))
            continue
        table = _table(model)
        statement = pg_insert(table).values(
            {name: bindparam(f"d{number}_{name}", type_=table.c[name].type) for name in names}
        )
        ctes.append(_on_conflict_update(statement, names).cte(f"deferred_{number}"))
    return select(literal(1)).add_cte(*ctes)
