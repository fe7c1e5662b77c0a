"""Sending deliveries through the platforms: the application's ``DeliverySender``.

For one delivery: load the member (language, accounts), choose where to write — the platform
they asked for (``preferences["platform"]``), else the one they last answered a poll from,
else their most recently linked account; only reachable accounts, only platforms this
deployment runs — render the message **in the member's language** for that platform (a
*composer* per delivery kind), and send it with that platform's ``Messenger``.

Outcomes: sent; ``RecipientUnreachable`` marks that account unreachable and tries the next
one, and the member is unreachable when none is left; a platform not connected yet
(``PlatformUnavailable``, or no messenger registered) postpones the message without counting
an attempt (it waits for the platform, or for its expiry); any other error (network, 5xx,
flood wait beyond the adapter's own retries) is a retry with backoff. A message sent with
buttons becomes the private chat's numbered menu (typing `1` presses its first button), written
with the delivery's outcome.
A delivery whose payload names a chat (``{"platform", "chat"}``) is posted in that group chat
instead (in the organisation's language); a chat that cannot be reached fails the delivery.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, exists, select, update

from bot.i18n import Translator
from bot.members.model import Role
from bot.members.service import OrganisationInfo, org_info
from bot.platforms.actions import menu_of
from bot.platforms.ports import (
    ChatRef,
    MessageRef,
    Messenger,
    PlatformUnavailable,
    RecipientUnreachable,
    Screen,
)
from bot.scheduling.model import Delivery, SendOutcome
from bot.storage.poll_tables import ParticipationRow
from bot.storage.tables import IdentityRow, MemberRoleRow, MemberRow, OrganisationRow
from bot.storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

PREFERRED_PLATFORM = "platform"
ORGANISATION_TTL = 30.0  # seconds


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message is rendered for: their language, whether staff, where it goes."""

    member_id: int
    name: str
    is_staff: bool  # an admin or a board member (they get the exports)
    t: Translator
    prefix: str
    organisation: OrganisationInfo
    in_group: bool = False


@dataclass(frozen=True, slots=True)
class Skip:
    """Nothing to send any more, and why (the member voted, the poll was cancelled)."""

    reason: str


Composed = Sequence[Screen] | Skip
Composer = Callable[[UnitOfWork, Recipient, Delivery], Awaitable[Composed]]


@dataclass(frozen=True, slots=True)
class Route:
    """One place a delivery may go: a person's account, or a group chat."""

    platform: str
    key: str
    direct: bool = True


@dataclass(slots=True)
class SenderStats:
    """What the sender did, by platform (for logs, tests and benchmarks)."""

    sent: dict[str, int] = field(default_factory=dict)
    unreachable_accounts: int = 0


class PlatformDeliverySender:
    """Renders each delivery for its member and sends it on their preferred platform."""

    def __init__(
        self,
        db: Database,
        messengers: Mapping[str, Messenger],
        composers: Mapping[str, Composer],
        platforms: frozenset[str] | None = None,
        *,
        not_connected_wait: timedelta = timedelta(seconds=15),
    ) -> None:
        self.db = db
        self.messengers = messengers
        self.composers = composers
        self.platforms = platforms
        self.not_connected_wait = not_connected_wait
        self.stats = SenderStats()
        self._organisations: dict[int, tuple[OrganisationInfo, float]] = {}

    async def send(self, delivery: Delivery) -> SendOutcome:
        """Render and send one delivery; say what happened."""
        compose = self.composers.get(delivery.kind)
        if compose is None:
            return SendOutcome.failed(f"no composer for {delivery.kind!r}")
        async with self.db.uow() as uow:
            prepared = await self._prepare(uow, delivery, compose)
        if isinstance(prepared, SendOutcome):
            return prepared
        return await self._deliver(delivery, prepared)

    async def _prepare(
        self, uow: UnitOfWork, delivery: Delivery, compose: Composer
    ) -> SendOutcome | list[tuple[Route, Sequence[Screen]]]:
        """Where the delivery may go, in order, with its screens rendered for each platform."""
        member = (await uow.session.execute(_member(delivery.member_id))).first()
        org = await self._organisation(uow, delivery.organisation_id)
        if member is None or org is None or not member.active:
            return SendOutcome.skipped("the member is no longer active")
        chat = _chat_route(delivery.payload)
        routes = [chat] if chat is not None else await self._routes(uow, member)
        routes = [r for r in routes if self.platforms is None or r.platform in self.platforms]
        if not routes:
            return SendOutcome.unreachable("no reachable account on this deployment's platforms")
        language = org.language if chat is not None else (member.language or org.language)
        rendered: dict[str, Composed] = {}
        ready: list[tuple[Route, Sequence[Screen]]] = []
        for route in routes:
            messenger = self.messengers.get(route.platform)
            if messenger is None:
                continue
            prefix = messenger.capabilities.command_prefix
            if prefix not in rendered:
                recipient = Recipient(
                    member.id,
                    member.display_name,
                    bool(member.staff),
                    Translator(language, org.timezone),
                    prefix,
                    org,
                    in_group=chat is not None,
                )
                rendered[prefix] = await compose(uow, recipient, delivery)
            screens = rendered[prefix]
            if isinstance(screens, Skip):
                return SendOutcome.skipped(screens.reason)
            ready.append((route, screens))
        if not ready:
            return SendOutcome.postponed(self.not_connected_wait, "platform not connected")
        return ready

    async def _organisation(
        self, uow: UnitOfWork, organisation_id: int
    ) -> OrganisationInfo | None:
        """The organisation (cached a little: its name, language and timezone rarely change)."""
        now = time.monotonic()
        cached = self._organisations.get(organisation_id)
        if cached is not None and now - cached[1] < ORGANISATION_TTL:
            return cached[0]
        row = await uow.session.get(OrganisationRow, organisation_id)
        if row is None:
            return None
        info = org_info(row)
        self._organisations[organisation_id] = (info, now)
        return info

    async def _routes(self, uow: UnitOfWork, member: Row[Any]) -> list[Route]:
        """The member's reachable accounts, preferred first."""
        identities = (
            await uow.session.execute(
                select(
                    IdentityRow.id,
                    IdentityRow.platform,
                    IdentityRow.user_key,
                    IdentityRow.created_at,
                ).where(IdentityRow.member_id == member.id, IdentityRow.reachable.is_(True))
            )
        ).all()
        preferred = (member.preferences or {}).get(PREFERRED_PLATFORM)
        ordered = sorted(
            identities,
            key=lambda i: (
                i.platform != preferred,
                i.platform != member.last_platform,
                -i.created_at.timestamp(),
                -i.id,
            ),
        )
        return [Route(i.platform, i.user_key) for i in ordered]

    async def _deliver(
        self, delivery: Delivery, ready: list[tuple[Route, Sequence[Screen]]]
    ) -> SendOutcome:
        waiting: float | None = None
        for route, screens in ready:
            messenger = self.messengers.get(route.platform)
            if messenger is None:  # stopped since we looked
                waiting = waiting or self.not_connected_wait.total_seconds()
                continue
            try:
                ref = await _send_all(messenger, route, screens)
            except RecipientUnreachable as error:
                if not route.direct:
                    return SendOutcome.failed(f"chat unreachable: {error}")
                await self._mark_unreachable(delivery.member_id, route)
                continue
            except PlatformUnavailable as error:
                waiting = error.retry_after or self.not_connected_wait.total_seconds()
                continue
            except Exception as error:
                log.warning("delivery %s via %s: %r", delivery.id, route.platform, error)
                return SendOutcome.retry(error=f"{route.platform}: {error!r}"[:500])
            self.stats.sent[route.platform] = self.stats.sent.get(route.platform, 0) + 1
            return SendOutcome.sent(ref, tuple(menu_of(screens)) if route.direct else ())
        if waiting is not None:
            return SendOutcome.postponed(timedelta(seconds=waiting), "platform unavailable")
        return SendOutcome.unreachable("every account refused the message")

    async def _mark_unreachable(self, member_id: int, route: Route) -> None:
        self.stats.unreachable_accounts += 1
        async with self.db.uow() as uow:
            await uow.session.execute(
                update(IdentityRow)
                .where(
                    IdentityRow.member_id == member_id,
                    IdentityRow.platform == route.platform,
                    IdentityRow.user_key == route.key,
                )
                .values(reachable=False)
            )
            await uow.commit()


async def _send_all(messenger: Messenger, route: Route, screens: Sequence[Screen]) -> MessageRef:
    """Send the screens in order; the reference of the last one."""
    ref: MessageRef | None = None
    for screen in screens:
        if route.direct:
            ref = await messenger.send_direct(route.key, screen)
        else:
            ref = await messenger.send(ChatRef(route.platform, route.key, False), screen)
    if ref is None:
        raise ValueError("nothing to send")
    return ref


def _member(member_id: int) -> Any:
    """One query: the member, whether staff, and the platform they last answered a poll from."""
    last_platform = (
        select(ParticipationRow.platform)
        .where(ParticipationRow.member_id == MemberRow.id)
        .order_by(ParticipationRow.last_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    staff = exists().where(
        MemberRoleRow.member_id == MemberRow.id,
        MemberRoleRow.role.in_([Role.ADMIN.value, Role.BOARD.value]),
    )
    return select(
        MemberRow.id,
        MemberRow.display_name,
        MemberRow.language,
        MemberRow.active,
        MemberRow.preferences,
        last_platform.label("last_platform"),
        staff.label("staff"),
    ).where(MemberRow.id == member_id)


def _chat_route(payload: Mapping[str, Any]) -> Route | None:
    platform, chat = payload.get("platform"), payload.get("chat")
    if isinstance(platform, str) and isinstance(chat, str):
        return Route(platform, chat, direct=False)
    return None
