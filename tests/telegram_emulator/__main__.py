"""Run the emulator standalone: ``python -m tests.telegram_emulator --port 8081``.

Prints ``PORT <n>`` on the first line once listening, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from .server import TelegramEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.telegram_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: pick a free one)")
    parser.add_argument("--token", default="123456:TEST-TOKEN", help="bot token to accept")
    parser.add_argument("--username", default="parvis_test_bot", help="bot username")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency")
    parser.add_argument("--no-flood", action="store_true", help="disable flood limits")
    parser.add_argument("--verbose", action="store_true", help="log every error response")
    return parser.parse_args(argv)


async def serve(options: argparse.Namespace) -> None:
    """Start the emulator and wait for SIGINT/SIGTERM."""
    emulator = TelegramEmulator(token=options.token, username=options.username)
    emulator.config(latency_ms=options.latency_ms, flood=not options.no_flood)
    await emulator.start(options.port)
    print(f"PORT {emulator.port}", flush=True)
    print(
        f"base_url {emulator.base_url}  base_file_url {emulator.base_file_url}  "
        f"test API {emulator.url}/_emu/...",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    options = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if options.verbose else logging.WARNING)
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
