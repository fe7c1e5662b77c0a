"""One update, start to finish: read it, dispatch it, show the reply (edit, toast, files)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from telegram import Bot, Update
from telegram.error import BadRequest, TelegramError

from bot.core.clock import Clock
from bot.handlers.dispatch import Dispatcher
from bot.i18n import Translator, negotiate_language
from bot.members.repository import MemberRepository
from bot.members.service import OrganisationInfo
from bot.platforms.ports import (
    ActionInvoked,
    Command,
    FileInput,
    Interaction,
    PlatformUser,
    Reply,
    Screen,
    Tone,
)
from bot.platforms.telegram.dbgate import DatabaseGate
from bot.platforms.telegram.inbound import (
    Incoming,
    ReachabilityChange,
    UndecodableButton,
    Unsupported,
    read_update,
)
from bot.platforms.telegram.locks import KeyedLocks
from bot.platforms.telegram.outbound import CAPABILITIES
from bot.platforms.telegram.reachability import Reachability
from bot.platforms.telegram.sender import Sender
from bot.storage.uow import Database

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
TOAST_MAX = 200
#: Commands and buttons after which the "/" menus may have to change (roles, language).
MENU_COMMANDS = frozenset({"start", "role", "language"})
MENU_ACTIONS = frozenset({"lang"})


@dataclass(slots=True)
class Services:
    """What the update handler works with (built once by the adapter)."""

    bot: Bot
    dispatcher: Dispatcher
    db: Database
    clock: Clock
    organisation: OrganisationInfo
    sender: Sender
    reachability: Reachability
    spawn: Callable[[Awaitable[None]], object]
    menu_changed: Callable[[], None]
    gate: DatabaseGate


class UpdateHandler:
    """Turns Telegram updates into dispatcher calls and replies; one chat at a time."""

    def __init__(self, services: Services) -> None:
        self.s = services
        self.locks = KeyedLocks()

    async def handle(self, update: Update) -> None:
        """Handle one update completely (raises only if it must be tried again later)."""
        bot = self.s.bot
        inbound = read_update(
            update, bot_id=bot.id, bot_username=bot.username, received_at=self.s.clock.now()
        )
        if inbound is None:
            return
        if isinstance(inbound, ReachabilityChange):
            tell_admins = await self.s.reachability.set(inbound.user_key, inbound.reachable)
            if tell_admins is not None:
                self.s.spawn(tell_admins)
            return
        if isinstance(inbound, UndecodableButton):
            t = await self._translator(inbound.actor)
            await self._answer(
                inbound.callback_query_id, t("This button is no longer valid. Please start again.")
            )
            return
        if isinstance(inbound, Unsupported):
            t = await self._translator(inbound.actor)
            text = t(
                "I can only read text messages, commands and files. Type {help} to see "
                "what you can do.",
                help="/help",
            )
            await self.s.sender.send(inbound.chat, Screen(text=text), bulk=False)
            return
        async with self.locks.hold(inbound.interaction.chat.chat_key):
            await self._handle_incoming(inbound)

    async def _handle_incoming(self, incoming: Incoming) -> None:
        ix = incoming.interaction
        if incoming.document is not None:
            loaded = await self._load_document(incoming)
            if loaded is None:
                return
            ix = loaded
        async with self.s.gate.writing():
            reply = await self.s.dispatcher.handle(ix, CAPABILITIES)
        try:
            await self._show(ix, reply, incoming.callback_query_id)
        except TelegramError as error:  # committed already: a replay could not show it again
            log.warning("a reply could not be shown (%s); the action itself is saved", error)
        if _may_change_menu(ix, self.s.dispatcher):
            self.s.menu_changed()

    async def _load_document(self, incoming: Incoming) -> Interaction | None:
        ix, document = incoming.interaction, incoming.document
        assert document is not None and isinstance(ix.intent, FileInput)
        if document.size is not None and document.size > MAX_FILE_BYTES:
            await self._too_large(ix)
            return None
        file = await self.s.bot.get_file(document.file_id)
        content = bytes(await file.download_as_bytearray())
        if len(content) > MAX_FILE_BYTES:
            await self._too_large(ix)
            return None
        return replace(ix, intent=replace(ix.intent, content=content))

    async def _too_large(self, ix: Interaction) -> None:
        t = await self._translator(ix.actor)
        text = t(
            "This file is too large: {megabytes} MB at most.",
            megabytes=t.number(MAX_FILE_BYTES // (1024 * 1024)),
        )
        await self.s.sender.send(ix.chat, Screen(text=text, tone=Tone.ERROR), bulk=False)

    async def _show(self, ix: Interaction, reply: Reply, query_id: str | None) -> None:
        """Answer the button (toast) while the first screen is shown, then the rest."""
        screens = list(reply.screens)
        if query_id is None and reply.notice and not screens:
            screens = [Screen(text=reply.notice)]

        async def show_screens() -> None:
            for number, screen in enumerate(screens):
                editable = number == 0 and query_id is not None and ix.origin is not None
                if editable and screen.replaces_origin and ix.origin is not None:
                    await self.s.sender.edit(ix.origin, screen, bulk=False)
                else:
                    await self.s.sender.send(ix.chat, screen, bulk=False)

        if query_id is None:
            await show_screens()
            return
        await asyncio.gather(self._answer(query_id, reply.notice), show_screens())

    async def _answer(self, query_id: str, notice: str | None) -> None:
        """Stop the button's spinner, with the notice as a toast."""
        text = notice[:TOAST_MAX] if notice else None
        try:
            await self.s.bot.answer_callback_query(query_id, text=text)
        except BadRequest as error:  # too old (e.g. replayed after a restart): nothing to do
            log.info("callback query not answered: %s", error.message)

    async def _translator(self, actor: PlatformUser) -> Translator:
        """The person's chosen language if they are a member, else their app's language."""
        org = self.s.organisation
        async with self.s.db.uow() as uow:
            member = await MemberRepository(uow.session).by_identity(
                org.id, actor.platform, actor.user_key
            )
        language = (member.language if member else None) or negotiate_language(
            actor.language, org.language
        )
        return Translator(language, org.timezone)


def _may_change_menu(ix: Interaction, dispatcher: Dispatcher) -> bool:
    intent = ix.intent
    if isinstance(intent, Command):
        spec = dispatcher.router.find_command(intent.name)
        return spec is not None and spec.name in MENU_COMMANDS
    return isinstance(intent, ActionInvoked) and intent.action.verb in MENU_ACTIONS
