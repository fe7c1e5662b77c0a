"""Tables of the Matrix adapter: native room polls posted by the bot.

A poll posted in a Matrix room (``org.matrix.msc3381.poll.start``) is one row: the event id
people's responses refer to, the room, and the Parvis poll and question it stands for. The
row also records when the poll end event was sent, so the end is posted exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.types import UTCDateTime


class MatrixPollEventRow(Base):
    """A native poll in a Matrix room: its start event id ↔ (poll, question)."""

    __tablename__ = "matrix_poll_events"
    __table_args__ = (
        UniqueConstraint("room_id", "poll_id", "position"),
        Index("ix_matrix_poll_events_ended_at", "ended_at"),
    )

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255))
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    posted_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_event_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
