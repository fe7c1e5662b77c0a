"""Tables of polls: definitions, the participation register, and the ballot box.

The register (``poll_participations``) knows who took part, when, on which platform. The ballot
box (``poll_ballots`` + ``poll_answers``) knows what was answered and the voter's collège. In a
secret poll, a ballot is keyed by a pseudonym only while the poll is open; at the close the
per-poll secret is erased, pseudonyms are dropped and the box is rewritten in random order.
Ballot ids are random uuids and both box tables are ``WITHOUT ROWID`` on SQLite, so neither
ids nor storage order follow the order of voting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base
from bot.storage.types import UTCDateTime


class PollRow(Base):
    """A consultation or deliberation: its settings, status and per-poll secret."""

    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'scheduled', 'open', 'closed', 'archived', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("kind IN ('consultation', 'deliberation')", name="kind_known"),
        CheckConstraint("secrecy IN ('nominative', 'secret')", name="secrecy_known"),
        CheckConstraint(
            "secret IS NULL OR (secrecy = 'secret' AND status IN ('draft', 'scheduled', 'open'))",
            name="secret_only_until_close",
        ),
        Index("ix_polls_organisation_status", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrecy: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    quorum: Mapped[str | None] = mapped_column(String(32), nullable=True)
    majority: Mapped[str | None] = mapped_column(String(32), nullable=True)
    extraordinary: Mapped[bool] = mapped_column(Boolean, default=False)
    statutes_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary(64), nullable=True)
    eligible: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class QuestionRow(Base):
    """One question of a poll; its method-specific settings as a JSON definition."""

    __tablename__ = "poll_questions"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)


class ParticipationRow(Base):
    """The participation register (liste d'émargement): who took part, when, from where."""

    __tablename__ = "poll_participations"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    college_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    platform: Mapped[str] = mapped_column(String(16))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submissions: Mapped[int] = mapped_column(Integer, default=1)


class BallotRow(Base):
    """One voter's ballot in the ballot box (never the voter, in a secret poll)."""

    __tablename__ = "poll_ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key"),
        Index("ix_poll_ballots_poll_id_receipt", "poll_id", "receipt"),
        Index("ix_poll_ballots_origin", "origin"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), nullable=True
    )
    college_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    receipt: Mapped[str | None] = mapped_column(String(16), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    origin: Mapped[str | None] = mapped_column(String(36), nullable=True)


class AnswerRow(Base):
    """One answer of a ballot; ``value`` NULL is a blank (choices) and ``text`` holds free text."""

    __tablename__ = "poll_answers"
    __table_args__ = (
        Index("ix_poll_answers_tally", "question_id", "college_key", "value"),
        {"sqlite_with_rowid": False},
    )

    ballot_id: Mapped[str] = mapped_column(
        ForeignKey("poll_ballots.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("poll_questions.id", ondelete="CASCADE"), primary_key=True
    )
    college_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    value: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
