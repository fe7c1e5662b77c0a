"""The Matrix `Messenger` lent to scheduled sending, with the homeserver's refusals mapped to
the neutral errors of the ports: a member who cannot be reached (`M_FORBIDDEN`, `M_UNKNOWN`,
`M_NOT_FOUND`, `M_INVALID_PARAM` when opening or writing to their DM) raises
`RecipientUnreachable`; a homeserver unreachable or rate-limiting for too long raises
`PlatformUnavailable` (try again later)."""

from __future__ import annotations

from bot.platforms.matrix.client import MatrixError, MatrixUnavailable
from bot.platforms.matrix.messenger import CAPABILITIES, PLATFORM, MatrixMessenger
from bot.platforms.ports import (
    ChatRef,
    MessageRef,
    PlatformUnavailable,
    RecipientUnreachable,
    Screen,
)

UNREACHABLE_ERRORS = frozenset({"M_FORBIDDEN", "M_UNKNOWN", "M_NOT_FOUND", "M_INVALID_PARAM"})


class MemberUnreachable(MatrixError, RecipientUnreachable):
    """The homeserver refused to let a message reach this person or room."""


class HomeserverUnavailable(MatrixUnavailable, PlatformUnavailable):
    """The homeserver could not be reached for long enough to give up for now."""


def _neutral(error: MatrixError) -> MatrixError:
    if isinstance(error, MatrixUnavailable):
        return HomeserverUnavailable("send", error.errcode, str(error), error.status)
    if error.errcode in UNREACHABLE_ERRORS:
        return MemberUnreachable("send", error.errcode, str(error), error.status)
    return error


class DeliveryMessenger:
    """A `MatrixMessenger` whose failures speak the ports' language."""

    platform = PLATFORM
    capabilities = CAPABILITIES

    def __init__(self, messenger: MatrixMessenger) -> None:
        self.messenger = messenger

    async def send(self, chat: ChatRef, screen: Screen) -> MessageRef:
        """Post a screen in a room."""
        try:
            return await self.messenger.send(chat, screen)
        except MatrixError as error:
            raise _neutral(error) from error

    async def edit(self, ref: MessageRef, screen: Screen) -> None:
        """Replace a posted screen."""
        try:
            await self.messenger.edit(ref, screen)
        except MatrixError as error:
            raise _neutral(error) from error

    async def send_direct(self, user_key: str, screen: Screen) -> MessageRef:
        """Send to a person in their DM (opened if needed)."""
        try:
            return await self.messenger.send_direct(user_key, screen)
        except MatrixError as error:
            raise _neutral(error) from error
