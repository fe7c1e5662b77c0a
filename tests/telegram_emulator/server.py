"""The emulator's aiohttp server: Bot API routes, file downloads and the ``/_emu`` test API."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from .dispatch import call_method
from .errors import ApiError, EmulatorError
from .http_testapi import make_handler
from .params import Args, read_request_args
from .state import BotState
from .testapi import BotDriver
from .webhook import WebhookPusher

log = logging.getLogger(__name__)
MAX_UPLOAD = 60 * 1024 * 1024


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.code, dumps=_dumps)


class TelegramEmulator(BotDriver):
    """A Telegram Bot API emulator listening on 127.0.0.1.

    The emulator itself is the :class:`BotDriver` of its first bot (``token``); more bots can
    be added with :meth:`add_bot` and driven through :meth:`bot`. Typical use::

        emu = TelegramEmulator(token="123:ABC")
        await emu.start()
        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url) \\
            .base_file_url(emu.base_file_url).build()
        ...
        await emu.stop()
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        username: str = "parvis_test_bot",
        host: str = "127.0.0.1",
    ) -> None:
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise EmulatorError("the emulator only listens on the loopback interface")
        self.host = host
        self.port: int | None = None
        self._bots: dict[str, BotState] = {}
        self._pushers: dict[str, WebhookPusher] = {}
        self._runner: web.AppRunner | None = None
        super().__init__(self._new_state(token, username))

    def _new_state(self, token: str, username: str) -> BotState:
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise EmulatorError("a bot token looks like '123456:secret'")
        if token in self._bots:
            raise EmulatorError(f"bot {token} already exists")
        state = BotState(token, username)
        self._bots[token] = state
        if self._runner is not None:
            self._start_pusher(state)
        return state

    def add_bot(self, token: str, username: str) -> BotDriver:
        """Register another bot token; returns its driver."""
        return BotDriver(self._new_state(token, username))

    def bot(self, token: str) -> BotDriver:
        """The driver of the bot with ``token``."""
        if token not in self._bots:
            raise EmulatorError(f"unknown bot token {token!r}")
        return BotDriver(self._bots[token])

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (after :meth:`start`)."""
        if self.port is None:
            raise EmulatorError("the emulator is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` (``http://127.0.0.1:PORT/bot``)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.url}/file/bot"

    def make_app(self) -> web.Application:
        """The aiohttp application (routes only; :meth:`start` runs it)."""
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/_emu/{action}", make_handler(self))
        return app

    async def start(self, port: int = 0) -> TelegramEmulator:
        """Listen on ``host:port`` (0 picks a free port, see :attr:`port`)."""
        if self._runner is not None:
            raise EmulatorError("the emulator is already started")
        for state in self._bots.values():
            state.closing = False
        runner = web.AppRunner(
            self.make_app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        for state in self._bots.values():
            self._start_pusher(state)
        return self

    def _start_pusher(self, state: BotState) -> None:
        pusher = WebhookPusher(state)
        pusher.start()
        self._pushers[state.token] = pusher

    async def stop(self) -> None:
        """Release pending long polls, stop webhook delivery and close the server."""
        for state in self._bots.values():
            state.closing = True
            state.notifier.notify()
        for pusher in self._pushers.values():
            await pusher.stop()
        self._pushers.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.port = None

    async def __aenter__(self) -> TelegramEmulator:
        return await self.start() if self._runner is None else self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- HTTP handlers --------------------------------------------------------------------

    async def call(self, method: str, token: str | None = None, **params: Any) -> Any:
        """Call a Bot API method in-process (no HTTP); raises :class:`ApiError`."""
        state = self._bots.get(token or self.token)
        if state is None:
            raise ApiError(401, "Unauthorized")
        return await call_method(state, method, Args(dict(params)))

    async def _handle_bot(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        state = self._bots.get(token)
        if state is None:
            code, text = (401, "Unauthorized") if ":" in token else (404, "Not Found")
            return _error_response(ApiError(code, text))
        method = request.match_info["method"]
        try:
            args = Args(await read_request_args(request))
            result = await call_method(state, method, args)
        except ApiError as error:
            log.debug("%s -> %s %s", method, error.code, error.description)
            return _error_response(error)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        state = self._bots.get(request.match_info["token"])
        stored = state.file_paths.get(request.match_info["path"]) if state else None
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
