"""Names of the application's job and delivery kinds, and their idempotency keys.

Job keys (``UNIQUE (organisation_id, key)``): ``poll:42:open``, ``poll:42:close``,
``poll:42:reminder:24h``, ``poll:42:turnout``. Delivery dedup keys end with the recipient:
``remind:p42:24h:m7``; a poll's part always ends with ``:`` so ``p4:`` never matches ``p42:``.
"""

from __future__ import annotations

from datetime import datetime

# Job kinds.
POLL_OPEN = "poll.open"
POLL_CLOSE = "poll.close"
POLL_REMINDER = "poll.reminder"
POLL_TURNOUT = "poll.turnout"

# Delivery kinds (what the sender renders).
ANNOUNCEMENT = "announcement"
CHAT_ANNOUNCEMENT = "chat.announcement"
REMINDER = "reminder"
TURNOUT_ALERT = "turnout"
RESULTS = "results"
DIGEST_MESSAGE = "digest"
UNREACHABLE_REPORT = "admin.unreachable"
FAILED_REPORT = "admin.failed"
ADMIN_NOTICE = "admin.notice"


def poll_jobs(poll_id: int) -> str:
    """Prefix of every job of a poll."""
    return f"poll:{poll_id}:"


def open_job(poll_id: int) -> str:
    """Key of a poll's opening job."""
    return f"poll:{poll_id}:open"


def close_job(poll_id: int) -> str:
    """Key of a poll's closing job."""
    return f"poll:{poll_id}:close"


def reminder_job(poll_id: int, label: str = "") -> str:
    """Key of a poll's reminder job at an offset (``24h``); the prefix of all of them."""
    return f"poll:{poll_id}:reminder:{label}"


def turnout_job(poll_id: int) -> str:
    """Key of a poll's turnout check."""
    return f"poll:{poll_id}:turnout"


def poll_deliveries(kind: str, poll_id: int) -> str:
    """Prefix of the deliveries of one kind for a poll (``remind:p42:``)."""
    return f"{kind}:p{poll_id}:"


def member_part(member_id: int) -> str:
    """The recipient's part of a dedup key."""
    return f"m{member_id}"


def minute_label(instant: datetime) -> str:
    """A compact label of a minute, for things an admin asks for now (``now202601050900``)."""
    return f"now{instant:%Y%m%d%H%M}"
