"""``SynapseServer``: a throwaway Synapse homeserver on 127.0.0.1, driven with the stdlib only."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import (
    RateLimits,
    load_or_create_secret,
    render_homeserver_yaml,
    render_log_config,
    write_signing_key,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "run .ci/install-synapse.sh (or set SYNAPSE_PYTHON to a python with matrix-synapse)"

# Every request goes straight to 127.0.0.1, whatever *_proxy variables say.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SynapseError(RuntimeError):
    """The homeserver could not be found, started or stopped."""


class SynapseNotInstalledError(SynapseError):
    """No Python interpreter with matrix-synapse was found."""


class SynapseHTTPError(SynapseError):
    """The homeserver answered an HTTP request with an error status."""

    def __init__(self, method: str, path: str, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.errcode: str | None = body.get("errcode")


@dataclass(frozen=True)
class MatrixUser:
    """A user registered through the admin API, with a ready-to-use access token."""

    user_id: str
    access_token: str
    device_id: str
    password: str

    @property
    def localpart(self) -> str:
        """The part of the user id between ``@`` and ``:``."""
        return self.user_id[1:].split(":", 1)[0]


def find_synapse_python(python: str | os.PathLike[str] | None = None) -> str | None:
    """Pick the interpreter that runs Synapse.

    Order: the ``python`` argument, ``$SYNAPSE_PYTHON``, ``<repo>/.venv-synapse/bin/python``.
    Returns ``None`` when none of them is given or exists.
    """
    if python is not None:
        return os.fspath(python)
    from_env = os.environ.get("SYNAPSE_PYTHON")
    if from_env:
        return from_env
    venv_python = REPO_ROOT / ".venv-synapse" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else None


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SynapseServer:
    """A Synapse process serving the client API on ``http://127.0.0.1:<port>``.

    ``data_dir`` holds the config, signing key, SQLite database and logs; it survives
    ``stop()``/``restart()`` so data persists across restarts.

    All methods block. In async tests, call ``start``/``stop``/``restart`` through
    ``asyncio.to_thread`` when running clients must notice the outage: a blocking call freezes
    the event loop, so their sync loops would never see the server gone.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int = 0,
        python: str | os.PathLike[str] | None = None,
        rate_limits: RateLimits = "relaxed",
        start_timeout: float = 30.0,
    ) -> None:
        resolved = find_synapse_python(python)
        if resolved is None:
            raise SynapseNotInstalledError(f"no Python with matrix-synapse found: {INSTALL_HINT}")
        if not Path(resolved).exists():
            raise SynapseNotInstalledError(
                f"Synapse python {resolved} does not exist: {INSTALL_HINT}"
            )
        self.python = resolved
        self.data_dir = Path(data_dir).resolve()
        self.port = port or free_port()
        self.rate_limits: RateLimits = rate_limits
        self.start_timeout = start_timeout
        self.server_name = "localhost"
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: MatrixUser | None = None
        self._secret = ""

    # -- paths and URLs ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Homeserver URL for clients, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        """The rendered homeserver.yaml."""
        return self.data_dir / "homeserver.yaml"

    @property
    def log_path(self) -> Path:
        """Synapse's own log (INFO and above)."""
        return self.data_dir / "homeserver.log"

    @property
    def output_path(self) -> Path:
        """The process's stdout/stderr (import errors, tracebacks before logging is set up)."""
        return self.data_dir / "stdout.log"

    @property
    def pid(self) -> int | None:
        """PID of the running Synapse process, if any."""
        return self._process.pid if self.is_running() else None

    def is_running(self) -> bool:
        """Whether the Synapse process was started and has not exited."""
        return self._process is not None and self._process.poll() is None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SynapseServer:
        """Render the config, launch Synapse and wait until it answers ``/versions``."""
        if self.is_running():
            raise SynapseError("Synapse is already running")
        self._write_config()
        with self.output_path.open("ab") as output:
            self._process = subprocess.Popen(
                [self.python, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM Synapse, wait up to ``timeout`` seconds, then SIGKILL it. Idempotent."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def restart(self) -> SynapseServer:
        """Stop and start again on the same data dir and port (the data is kept)."""
        self.stop()
        return self.start()

    def __enter__(self) -> SynapseServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def rss_kib(self) -> int:
        """Resident memory of the Synapse process in KiB (Linux ``/proc``)."""
        if self._process is None:
            raise SynapseError("Synapse is not running")
        status = Path(f"/proc/{self._process.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise SynapseError("VmRSS not found in /proc status")

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the process output and of homeserver.log."""
        parts = []
        for path in (self.output_path, self.log_path):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"--- {path.name} ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    # -- HTTP -------------------------------------------------------------------------------

    def request_json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        access_token: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Send a JSON request to the homeserver and return the decoded JSON answer.

        Raises ``SynapseHTTPError`` on an HTTP error status.
        """
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if access_token:
            request.add_header("Authorization", f"Bearer {access_token}")
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                error_body = json.loads(raw)
            except ValueError:
                error_body = {"raw": raw.decode("utf-8", errors="replace")}
            raise SynapseHTTPError(method, path, err.code, error_body) from None
        return json.loads(payload) if payload else {}

    def register(self, user: str, password: str, admin: bool = False) -> MatrixUser:
        """Register ``user`` (a localpart) through the shared-secret admin API.

        The answer carries an access token and device id, so clients can ``restore_login``
        without a ``/login`` round trip. Not rate-limited by Synapse.
        """
        path = "/_synapse/admin/v1/register"
        nonce = self.request_json("GET", path)["nonce"]
        mac = hmac.new(self._secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    user.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        answer = self.request_json(
            "POST",
            path,
            {
                "nonce": nonce,
                "username": user,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return MatrixUser(
            user_id=answer["user_id"],
            access_token=answer["access_token"],
            device_id=answer["device_id"],
            password=password,
        )

    def override_ratelimit(
        self, user_id: str, messages_per_second: int = 0, burst_count: int = 0
    ) -> None:
        """Exempt ``user_id`` from message rate limits (0/0 means "no limit").

        Admins are not exempt by default; this per-user override is the admin API's way.
        """
        quoted = urllib.parse.quote(user_id, safe="")
        self.request_json(
            "POST",
            f"/_synapse/admin/v1/users/{quoted}/override_ratelimit",
            {"messages_per_second": messages_per_second, "burst_count": burst_count},
            access_token=self._admin_user().access_token,
        )

    def user_id(self, localpart: str) -> str:
        """Full user id for a localpart on this server."""
        return f"@{localpart}:{self.server_name}"

    # -- internals --------------------------------------------------------------------------

    def _admin_user(self) -> MatrixUser:
        if self._admin is None:
            self._admin = self.register("harness-admin", "harness-admin-pw", admin=True)
        return self._admin

    def _write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "media_store").mkdir(exist_ok=True)
        self._secret = load_or_create_secret(self.data_dir / "shared_secret")
        write_signing_key(self.data_dir / "signing.key")
        self.config_path.write_text(
            render_homeserver_yaml(self.data_dir, self.port, self._secret, self.rate_limits),
            encoding="utf-8",
        )
        (self.data_dir / "log.config").write_text(
            render_log_config(self.data_dir), encoding="utf-8"
        )

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self._process.poll()
            if code is not None:
                raise SynapseError(
                    f"Synapse exited with code {code} during start-up\n{self.log_tail()}"
                )
            try:
                self.request_json("GET", "/_matrix/client/versions", timeout=1.0)
                return
            except (OSError, SynapseHTTPError):
                pass
            if time.monotonic() > deadline:
                raise SynapseError(
                    f"Synapse did not answer within {self.start_timeout} s\n{self.log_tail()}"
                )
            time.sleep(0.05)
