"""Child processes of the end-to-end tests: the standalone emulator and `parvis run`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0
PYCACHE = Path(tempfile.gettempdir()) / "parvis-test-pycache"


async def poll_until(
    condition: Callable[[], Awaitable[bool]],
    timeout: float,  # noqa: ASYNC109
    every: float = 0.05,
) -> None:
    """Check `condition` until it holds (for state held by another process)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(every)


def child_env(**extra: str) -> dict[str, str]:
    """The parent's environment without Parvis settings or proxies (127.0.0.1 only)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARVIS_") and "proxy" not in k.lower() and k != "DATABASE_URL"
    }
    env.update(extra)
    # Bytecode cached outside the tree: without it every child compiles its ~1,000 modules
    # again (PYTHONDONTWRITEBYTECODE is set here), which costs seconds per start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    return env


class Child:
    """A child process whose stderr is collected line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self._changed.set()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def wait_for_line(self, fragment: str, timeout: float = START_TIMEOUT) -> None:  # noqa: ASYNC109
        """Wait until the child logged a line containing `fragment`."""
        async with asyncio.timeout(timeout):
            while not any(fragment in line for line in self.lines):
                if self.process.returncode is not None:
                    raise AssertionError(f"the process exited early:\n{self.log}")
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.5)

    async def terminate(self, timeout: float = 20.0) -> int:  # noqa: ASYNC109
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a crash or an OOM kill."""
        self.process.kill()
        await self.wait(10.0)

    async def wait(self, timeout: float) -> int:  # noqa: ASYNC109
        code = await asyncio.wait_for(self.process.wait(), timeout)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader, 5.0)
        return code

    async def ensure_stopped(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def start_parvis(env: dict[str, str]) -> Child:
    """`python -m bot run` with `env`; returns once the Telegram adapter is serving."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(process)
    try:
        await child.wait_for_line("Telegram adapter running")
    except BaseException:
        await child.ensure_stopped()
        raise
    return child


async def start_emulator(token: str, username: str) -> tuple[Child, str]:
    """`python -m tests.telegram_emulator` on a free port; returns it and its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.telegram_emulator",
        "--port",
        "0",
        "--token",
        token,
        "--username",
        username,
        cwd=ROOT,
        env=child_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    first = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
    if not first.startswith(b"PORT "):
        process.kill()
        raise AssertionError(f"the emulator did not start: {first!r}")
    return Child(process), f"http://127.0.0.1:{int(first.split()[1])}"
