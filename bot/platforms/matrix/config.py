"""The Matrix adapter's configuration: the user's settings plus tuning knobs with safe defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from bot.settings import MatrixSettings

TrustPolicy = Literal["trust_on_first_use", "ignore_unverified"]


def server_of(user_id: str) -> str:
    """The homeserver part of a Matrix id: `@alice:example.org` -> `example.org`."""
    _, sep, server = user_id.partition(":")
    return server.lower() if sep else ""


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    """Everything the adapter needs; `from_settings` fills it from `PARVIS_MATRIX__*`."""

    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_id: str | None = None
    store_path: Path = Path("data/matrix-store")
    allowed_homeservers: frozenset[str] = frozenset()
    trust_policy: TrustPolicy = "trust_on_first_use"
    #: Group rooms where commands are accepted (DMs are always accepted).
    group_rooms: frozenset[str] = frozenset()
    encryption: bool = True
    #: New DMs opened by the bot are end-to-end encrypted (needs `encryption`).
    encrypt_new_dms: bool = True
    #: Timeline events per room per sync; a burst beyond it is back-filled.
    timeline_limit: int = 100
    sync_timeout_ms: int = 30_000
    #: The sync token is written at most this often (seconds); see `SyncLoop._save_tokens`.
    token_save_delay: float = 1.0
    #: Reconnection backoff after the homeserver went away: initial and maximum wait (s).
    backoff_initial: float = 0.25
    backoff_max: float = 30.0
    #: How long one request may keep waiting on 429s and connection errors before it fails.
    max_request_wait: float = 120.0
    #: After a restart, events this much older than start-up are still handled (the gap of
    #: a redeploy); older ones are ignored. Without a stored sync token nothing older than
    #: start-up is handled: the first sync swallows the backlog.
    catch_up: timedelta = timedelta(minutes=15)
    #: The bot reacts with 1️⃣ 2️⃣ ... under menus of at most this many choices (0: never).
    react_to_menus: int = 5
    max_file_bytes: int = 2_000_000
    #: How often (seconds) the adapter looks for closed polls whose room poll is not ended
    #: yet (only while there is one; a `poll` command typed on Matrix looks at once).
    room_poll_check: float = 5.0
    #: At most one "I could not read your message" notice (undecryptable event) per person
    #: and room in this many seconds: in group rooms (a client sending many undecryptable
    #: events makes no spam) and in DMs (a burst gets one notice; a resend that fails again
    #: a little later gets its own).
    unreadable_notice_every: float = 300.0
    unreadable_notice_every_dm: float = 10.0
    device_name: str = "Parvis"

    @classmethod
    def from_settings(cls, settings: MatrixSettings) -> MatrixConfig:
        """Build the configuration from the typed settings."""
        if not settings.homeserver or not settings.user_id:
            raise ValueError("PARVIS_MATRIX__HOMESERVER and PARVIS_MATRIX__USER_ID are required")
        if settings.password is None and settings.access_token is None:
            raise ValueError("set PARVIS_MATRIX__PASSWORD or PARVIS_MATRIX__ACCESS_TOKEN")
        return cls(
            homeserver=settings.homeserver.rstrip("/"),
            user_id=settings.user_id,
            password=settings.password.get_secret_value() if settings.password else None,
            access_token=(
                settings.access_token.get_secret_value() if settings.access_token else None
            ),
            device_id=settings.device_id,
            store_path=settings.store_path,
            allowed_homeservers=frozenset(s.lower() for s in settings.allowed_homeservers),
            trust_policy=settings.trust_policy,
            group_rooms=frozenset(settings.rooms),
        )

    @property
    def own_server(self) -> str:
        """The bot's homeserver name."""
        return server_of(self.user_id)

    def allows(self, user_id: str) -> bool:
        """Whether people of this account's homeserver may talk to the bot.

        With no `allowed_homeservers` configured, only the bot's own homeserver is allowed.
        """
        allowed = self.allowed_homeservers or frozenset({self.own_server})
        return server_of(user_id) in allowed

    def state_key(self, name: str) -> str:
        """A key of the adapter's durable state (sync token, device id) for this account."""
        return f"matrix:{name}:{self.user_id}"[:128]
