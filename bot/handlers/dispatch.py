"""The dispatcher: one unit of work per interaction, routing, errors as polite replies."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.exc import DBAPIError

from bot.core.clock import Clock
from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.handlers.router import Router
from bot.i18n import Translator, negotiate_language
from bot.i18n.errors import describe_error
from bot.members.repository import (
    BY_IDENTITY,
    OrganisationRepository,
    identity_params,
    member_from_rows,
)
from bot.members.service import OrganisationInfo, org_info
from bot.platforms import actions as codec
from bot.platforms.ports import (
    ActionInvoked,
    Capabilities,
    Command,
    FileInput,
    Interaction,
    Reply,
    Screen,
    TextInput,
    Tone,
)
from bot.storage.conversations import (
    ChatMenuRepository,
    ConversationRepository,
    with_conversation,
)
from bot.storage.uow import Database

log = logging.getLogger(__name__)

MAX_INPUT = 4000
_PRESS = re.compile(r"^\s*\[(\d{1,3})\]\s*$")
_BARE_NUMBER = re.compile(r"^\s*(\d{1,3})\s*$")


class Dispatcher:
    """Turns interactions into replies; everything a handler writes commits or nothing does."""

    def __init__(
        self,
        db: Database,
        router: Router,
        organisation_slug: str,
        clock: Clock,
        *,
        serialize_chats: bool = False,
    ):
        self.db = db
        self.router = router
        self.organisation_slug = organisation_slug
        self.clock = clock
        #: Several processes may receive interactions of one chat at the same time (Telegram
        #: webhooks behind a load balancer): each interaction then first takes a database
        #: lock on its chat, so one chat's interactions run one after the other everywhere
        #: (one process alone already does that with its own per-chat locks).
        self.serialize_chats = serialize_chats
        self._org: OrganisationInfo | None = None
        #: Called after an interaction that planned scheduled work has committed (the
        #: scheduler sets it to its ``wake``).
        self.wake_scheduler: Callable[[], None] = _nothing

    async def organisation(self) -> OrganisationInfo:
        """The organisation this deployment serves (cached)."""
        if self._org is None:
            async with self.db.uow() as uow:
                row = await OrganisationRepository(uow.session).by_slug(self.organisation_slug)
                if row is None:
                    raise RuntimeError(
                        f"organisation {self.organisation_slug!r} does not exist; "
                        "run `parvis db upgrade` and start Parvis once"
                    )
                self._org = org_info(row)
        return self._org

    async def handle(self, ix: Interaction, capabilities: Capabilities) -> Reply:
        """Handle one interaction; duplicates (same event key) are ignored.

        If the database connection turns out to be dead (the server restarted), nothing was
        written, and the interaction runs once more on a new connection.
        """
        try:
            return await self._handle(ix, capabilities, retry_on_disconnect=True)
        except DBAPIError as error:
            if not _is_disconnect(error):
                raise
            log.warning("database connection lost; handling the interaction again")
            return await self._handle(ix, capabilities, retry_on_disconnect=False)

    async def _handle(
        self, ix: Interaction, capabilities: Capabilities, *, retry_on_disconnect: bool
    ) -> Reply:
        org = await self.organisation()
        async with self.db.uow() as uow:
            if self.serialize_chats:
                await uow.lock_key(f"chat:{ix.chat.platform}:{ix.chat.chat_key}")
            claimed, rows = await uow.claim_event_and_read(
                ix.event_key,
                with_conversation(BY_IDENTITY),
                identity_params(org.id, ix.actor.platform, ix.actor.user_key),
            )
            if not claimed:
                log.info("duplicate event ignored", extra={"event": ix.event_key})
                return Reply()
            member = member_from_rows(rows)
            if member is not None:
                ConversationRepository(uow.session).preload(member.id, rows[0])
            language = (member.language if member else None) or negotiate_language(
                ix.actor.language, org.language
            )
            ctx = Context(
                uow=uow,
                org=org,
                member=member,
                t=Translator(language, org.timezone),
                capabilities=capabilities,
                clock=self.clock,
                actor=ix.actor,
                chat=ix.chat,
            )
            try:
                reply = await self._route(ix, ctx)
                await self._remember_menu(ctx, reply)
                await uow.commit()
                if ctx.schedule_changed:
                    self.wake_scheduler()
                return reply
            except DomainError as error:
                await uow.rollback()
                reply = _error_reply(ctx, error)
            except Exception as error:
                if retry_on_disconnect and _is_disconnect(error):
                    raise  # nothing written: `handle` runs the interaction again
                await uow.rollback()
                log.exception("handler failed", extra={"event": ix.event_key})
                reply = _error_reply(ctx, DomainError("error.internal"))
        await self._record_refusal(ix.event_key)
        return reply

    async def _record_refusal(self, event_key: str) -> None:
        """A refused event is still processed: a redelivery must not run it again."""
        async with self.db.uow() as uow:
            await uow.claim_event(event_key)
            await uow.commit()

    async def _route(self, ix: Interaction, ctx: Context) -> Reply:
        intent = ix.intent
        if isinstance(intent, Command):
            return await self._command(ix, intent, ctx)
        if isinstance(intent, ActionInvoked):
            return await self._action(ix, intent, ctx)
        if isinstance(intent, FileInput):
            handler = self.router.file_handler
            if handler is None:
                raise DomainError("error.files_not_expected")
            return await handler(ix, ctx)
        return await self._text(ix, intent, ctx)

    async def _command(self, ix: Interaction, intent: Command, ctx: Context) -> Reply:
        if len(intent.raw_args) > MAX_INPUT:
            raise DomainError("error.too_long", {"length": len(intent.raw_args), "max": MAX_INPUT})
        spec = self.router.find_command(intent.name)
        if spec is None:
            raise DomainError("error.unknown_command", {"command": ctx.cmd(intent.name)[:40]})
        if spec.roles:
            member = ctx.require_member()
            if not spec.allows(member.roles):
                raise DomainError("error.admin_only")
        return await spec.handler(ix, ctx)

    async def _action(self, ix: Interaction, intent: ActionInvoked, ctx: Context) -> Reply:
        handler = self.router.find_action(intent.action.verb)
        if handler is None:
            raise DomainError("error.stale_button")
        return await handler(ix, ctx)

    async def _text(self, ix: Interaction, intent: TextInput, ctx: Context) -> Reply:
        if len(intent.text) > MAX_INPUT:
            raise DomainError("error.too_long", {"length": len(intent.text), "max": MAX_INPUT})
        press = _PRESS.match(intent.text)
        if press:
            return await self._press(ix, ctx, int(press[1]))
        if ctx.member is not None:
            conversation = await ConversationRepository(ctx.uow.session).get(ctx.member.id)
            if conversation is not None:
                handler = self.router.find_conversation(conversation.kind)
                if handler is not None:
                    return await handler(ix, ctx)
        bare = _BARE_NUMBER.match(intent.text)
        if bare and await ChatMenuRepository(ctx.uow.session).get(
            ix.chat.platform, ix.chat.chat_key
        ):
            return await self._press(ix, ctx, int(bare[1]))
        raise DomainError("error.not_understood")

    async def _press(self, ix: Interaction, ctx: Context, number: int) -> Reply:
        menu = await ChatMenuRepository(ctx.uow.session).get(ix.chat.platform, ix.chat.chat_key)
        if not 1 <= number <= len(menu):
            raise DomainError("error.no_such_choice", {"number": number})
        try:
            action = codec.decode(menu[number - 1])
        except codec.ActionCodecError as error:
            raise DomainError("error.stale_button") from error
        return await self._action(
            replace(ix, intent=ActionInvoked(action)), ActionInvoked(action), ctx
        )

    async def _remember_menu(self, ctx: Context, reply: Reply) -> None:
        actions = codec.menu_of(reply.screens)
        if actions:
            await ChatMenuRepository(ctx.uow.session).put(
                ctx.chat.platform, ctx.chat.chat_key, actions, self.clock.now()
            )


def _is_disconnect(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _nothing() -> None:
    """No scheduler to wake (the shell without one, tests)."""


def _error_reply(ctx: Context, error: DomainError) -> Reply:
    text = describe_error(ctx.t, error, ctx.capabilities.command_prefix)
    return Reply(screens=(Screen(text=text, tone=Tone.ERROR),), notice=text[:200])
