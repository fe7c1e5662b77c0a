"""PTB's HTTP transport on aiohttp instead of httpx.

Measured on the 2-core VM (benchmarks/telegram_transport.py, recorded in benchmarks/RESULTS.md):
the bare PTB bot answers and edits 333 taps/s on PTB's default `HTTPXRequest`, 1,572 on this
transport (aiohttp, which Parvis already uses for the webhook server). A vote is two calls
(the toast and the edit), so the transport is a large share of a vote's cost.

The contract is PTB's `BaseRequest`: return the status and the raw body; PTB itself turns
them into results and errors (429, 403, ...). Timeouts map onto aiohttp's; a time-out is
PTB's `TimedOut`, any other client error PTB's `NetworkError`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MEDIA_WRITE_TIMEOUT = 20.0


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return (status, body)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        has_files = request_data is not None and request_data.contains_files
        read = self._pick(read_timeout, self._read_timeout)
        write = self._pick(write_timeout, MEDIA_WRITE_TIMEOUT if has_files else read)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._pick(pool_timeout, self._pool_timeout),
            sock_connect=self._pick(connect_timeout, self._connect_timeout),
            sock_read=_longest(read, write),
        )
        try:
            body = _body(request_data)
            headers = _FORM if isinstance(body, bytes) else None
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    @staticmethod
    def _pick(given: Any, default: float | None) -> float | None:
        return default if isinstance(given, type(BaseRequest.DEFAULT_NONE)) else given


def _longest(first: float | None, second: float | None) -> float | None:
    if first is None or second is None:
        return None
    return max(first, second)


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """Form fields as PTB encodes them (JSON values), with files as multipart parts.

    Without files, the url-encoded body is built here (as httpx did for PTB): aiohttp's own
    form building costs more than the request's other work."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return urlencode(fields).encode() if fields else None
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mimetype = part[0], part[1], part[2] if len(part) > 2 else None
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
