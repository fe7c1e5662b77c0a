"""SQLite statements run on the event loop's own thread, with a worker thread only to wait.

aiosqlite runs every call (execute, fetch, close, commit ...) on a worker thread and hands the
result back through the event loop. Measured (benchmarks/sqlite_statement_cost.py, "Storage"
in benchmarks/RESULTS.md): about 200 µs per call against under 1 µs for the statement run
directly; through SQLAlchemy, which makes several such calls per statement, about 390 µs per
statement against 46 µs with this module. Most of a vote's time went to thread hand-overs.

`InlineConnection` keeps aiosqlite's interface (SQLAlchemy's aiosqlite dialect drives it
unchanged) but runs each call at once on the loop's thread. SQLite answers local statements in
microseconds; the one thing that can take long is waiting for another connection's write lock.
So the connection's busy timeout is 0 on the loop thread: a call that finds the database
locked fails at once, with nothing done, and is then run again on a worker thread that waits
for the lock (up to `BUSY_TIMEOUT_MS`) while the loop goes on — the transaction holding the
lock may well be another coroutine of this same process.

The price: a statement that really takes long (a report over 100,000 members) would hold the
event loop while it runs. Background work therefore runs inside `background_statements()`
(the scheduler's jobs: digests, fan-outs, reports): there, every call goes to a worker thread
as with aiosqlite, and the chats keep being answered meanwhile. The setting
`PARVIS_SQLITE_THREADED=true` brings aiosqlite's worker thread back for everything.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 30_000
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_BACKGROUND: ContextVar[bool] = ContextVar("parvis_sqlite_background", default=False)


@contextmanager
def background_statements() -> Iterator[None]:
    """Within this block (this task and the tasks it starts), SQLite calls run on a worker
    thread: long background work does not hold the event loop. Nothing changes on
    PostgreSQL."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread: runs the work at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the waiter, like aiosqlite does
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without the per-call thread hop."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if _BACKGROUND.get():
            return await asyncio.to_thread(self._waiting, fn, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
        return await asyncio.to_thread(self._waiting, fn, args, kwargs)

    def _waiting(self, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        """On a worker thread: the same call again, this time waiting for the lock."""
        connection = self._conn
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        try:
            return fn(*args, **kwargs)
        finally:
            connection.execute("PRAGMA busy_timeout=0")


def is_busy(error: sqlite3.OperationalError) -> bool:
    """True for "database is locked" (another connection writes), which waiting may cure."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(error)
    return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)  # extended codes included


def inline_creator(database: str) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` opening inline connections to `database`."""

    async def create() -> InlineConnection:
        def connect() -> sqlite3.Connection:
            return sqlite3.connect(database, timeout=0, check_same_thread=False)

        connection: InlineConnection = await InlineConnection(connect)
        return connection

    return create
