"""Every table module imported once, so the metadata is complete (for Alembic and tests)."""

from __future__ import annotations

from bot.storage import matrix_tables, poll_tables, schedule_tables, tables  # noqa: F401
from bot.storage.base import Base

metadata = Base.metadata
