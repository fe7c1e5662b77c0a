"""The Telegram adapter's life: build PTB's Application, start it inside Parvis's loop
(initialize/start/updater.start_polling, never run_polling), stop it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import App
from bot.platforms.ports import Screen
from bot.platforms.telegram.commands import CommandMenu
from bot.platforms.telegram.dbgate import DatabaseGate
from bot.platforms.telegram.ids import PLATFORM, private_chat
from bot.platforms.telegram.inbound import slim_update
from bot.platforms.telegram.inbox import InboxRequest, UpdateInbox
from bot.platforms.telegram.messenger import TelegramMessenger
from bot.platforms.telegram.pacing import ChatPacer, ParvisRateLimiter
from bot.platforms.telegram.reachability import Reachability
from bot.platforms.telegram.sender import Sender
from bot.platforms.telegram.transport import AiohttpRequest
from bot.platforms.telegram.updates import Services, UpdateHandler
from bot.platforms.telegram.webhook import WebhookServer, webhook_path
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
LONG_POLL_SECONDS = 25
MENU_DEBOUNCE_SECONDS = 1.0
PTBApplication = Application[Any, Any, Any, Any, Any, Any]


class TelegramAdapter:
    """Parvis on Telegram. `run(stop)` serves until `stop` is set."""

    def __init__(
        self,
        app: App,
        settings: TelegramSettings,
        *,
        on_processed: Callable[[int], None] | None = None,
        pacer: ChatPacer | None = None,
    ) -> None:
        if settings.token is None:
            raise ValueError("the Telegram adapter needs a token")
        self.app = app
        self.settings = settings
        self.token = settings.token.get_secret_value()
        self.bot_id = int(self.token.split(":", 1)[0])
        self.on_processed = on_processed
        self.gate = DatabaseGate(app.db)
        self.inbox = UpdateInbox(app.db, self.bot_id, self.gate)
        self.pacer = pacer or ChatPacer()
        self.application = self._build()
        self.bot = self.application.bot
        self.ready = asyncio.Event()
        self.webhook: WebhookServer | None = None
        self._menu_wake = asyncio.Event()
        self.sender = Sender(self.bot, self.pacer, self._on_blocked)
        self.messenger = TelegramMessenger(self.sender)
        self.reachability = Reachability(app.db, app.organisation, self._notify)
        self.menu = CommandMenu(
            self.bot, self.bot_id, app.db, app.organisation, app.dispatcher.router.commands
        )
        self.handler = UpdateHandler(
            Services(
                bot=self.bot,
                dispatcher=app.dispatcher,
                db=app.db,
                clock=app.clock,
                organisation=app.organisation,
                sender=self.sender,
                reachability=self.reachability,
                spawn=self._spawn,
                menu_changed=self._menu_wake.set,
                gate=self.gate,
            )
        )

    def _build(self) -> PTBApplication:
        s = self.settings
        pool = max(8, s.concurrent_updates + 4)
        builder = (
            ApplicationBuilder()
            .token(self.token)
            .base_url(s.base_url)
            .base_file_url(s.base_file_url)
            .rate_limiter(ParvisRateLimiter())
            .concurrent_updates(max(1, s.concurrent_updates))
            .request(AiohttpRequest(connection_pool_size=pool, pool_timeout=10.0))
            .job_queue(None)  # Parvis schedules through its own scheduler, not PTB's
        )
        if s.mode == "webhook":
            builder = builder.updater(None)
        else:
            updates_request = AiohttpRequest(connection_pool_size=1, read_timeout=10.0)
            builder = builder.get_updates_request(InboxRequest(updates_request, self.inbox))
        application: PTBApplication = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    # -- serving ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; pending updates are finished before returning."""
        if not await self._initialize(stop):
            return
        application = self.application
        closing = asyncio.Event()
        janitor = asyncio.create_task(self.inbox.run_janitor(closing), name="telegram-inbox")
        menus = asyncio.create_task(self._refresh_menus(closing), name="telegram-menus")
        try:
            await application.start()
            for raw in await self.inbox.leftovers():
                await application.update_queue.put(Update.de_json(raw, self.bot))
            await self._publish_menus()
            await self._start_receiving()
            self.ready.set()
            self.app.messengers[PLATFORM] = self.messenger  # scheduled deliveries go out now
            log.info("Telegram adapter running as @%s (%s)", self.bot.username, self.settings.mode)
            await stop.wait()
        finally:
            if self.app.messengers.get(PLATFORM) is self.messenger:
                del self.app.messengers[PLATFORM]
            await self._stop_receiving()
            if application.running:
                await application.stop()
            closing.set()
            await asyncio.gather(janitor, menus, return_exceptions=True)
            await application.shutdown()
            log.info("Telegram adapter stopped")

    async def _initialize(self, stop: asyncio.Event) -> bool:
        """getMe, retried with back-off while the network is down; False if stopped first."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.application.initialize()
                return True
            except InvalidToken:
                log.error("Telegram refused the bot token (PARVIS_TELEGRAM__TOKEN)")
                raise
            except NetworkError as error:
                log.warning("cannot reach Telegram (%s); retrying in %.0f s", error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 60.0)
        return False

    async def _start_receiving(self) -> None:
        s = self.settings
        if s.mode == "webhook":
            if not s.webhook_url:
                raise ValueError("webhook mode needs PARVIS_TELEGRAM__WEBHOOK_URL")
            secret = s.webhook_secret.get_secret_value() if s.webhook_secret else ""
            self.webhook = WebhookServer(webhook_path(s.webhook_url), secret, self._accept)
            await self.webhook.start(s.webhook_listen, s.webhook_port)
            await self.bot.set_webhook(
                s.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            return
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(
            timeout=LONG_POLL_SECONDS,
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=-1,
            error_callback=_polling_error,
        )

    async def _stop_receiving(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.webhook is not None:
            await self.webhook.stop()

    async def _accept(self, raw: dict[str, Any]) -> None:
        """A webhook update: kept in the inbox, then queued (Telegram gets 200 after)."""
        raw = slim_update(raw)
        await self.inbox.hold([raw])
        await self.application.update_queue.put(Update.de_json(raw, self.bot))

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.handler.handle(update)
        except Exception:
            log.exception("update %s failed; it will be tried again at restart", update.update_id)
            return
        self.inbox.done(update.update_id)
        if self.on_processed is not None:
            self.on_processed(update.update_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram adapter error", exc_info=context.error)

    # -- helpers -----------------------------------------------------------------------------

    def _spawn(self, work: Awaitable[None]) -> object:
        """Background work that `stop()` waits for (e.g. messages to other members)."""
        return self.application.create_task(work)

    async def _on_blocked(self, chat_id: int) -> None:
        """403 from a private chat: marked unreachable before the caller hears of it."""
        if chat_id > 0:
            await self._reachability(str(chat_id), False)

    async def _reachability(self, user_key: str, reachable: bool) -> None:
        tell_admins = await self.reachability.set(user_key, reachable)
        if tell_admins is not None:
            self._spawn(tell_admins)

    async def _notify(self, user_key: str, screen: Screen) -> None:
        with contextlib.suppress(TelegramError):
            await self.sender.send(private_chat(user_key), screen, bulk=True)

    async def refresh_commands(self) -> None:
        """Bring the per-chat "/" menus in step with roles (call after role changes)."""
        await self.menu.refresh()

    async def _publish_menus(self) -> None:
        try:
            await self.menu.publish()
        except TelegramError:
            log.exception("could not publish the command menus; will retry on role changes")

    async def _refresh_menus(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            waiter = asyncio.ensure_future(self._menu_wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if stop.is_set():
                return
            with contextlib.suppress(TimeoutError):  # let a burst of changes settle
                await asyncio.wait_for(stop.wait(), MENU_DEBOUNCE_SECONDS)
            self._menu_wake.clear()
            try:
                await self.menu.refresh()
            except Exception:
                log.exception("could not refresh the command menus")


def _polling_error(error: TelegramError) -> None:
    log.warning("polling Telegram failed: %s", error)


async def run_telegram(app: App, stop: asyncio.Event) -> None:
    """The Runner of `parvis run` for Telegram."""
    await TelegramAdapter(app, app.settings.telegram).run(stop)
