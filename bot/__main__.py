"""`parvis` command line: run, shell, db, admin, tally, example."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `parvis` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    from bot.logging_setup import setup_logging

    setup_logging(
        "WARNING" if args.command == "shell" else settings.log_level, settings.log_format
    )
    handler = COMMANDS[args.command or "run"]
    return handler(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parvis", description="Parvis governance bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the configured platform adapters (default)")
    shell = sub.add_parser("shell", help="chat with the bot in the terminal (embedded SQLite)")
    shell.add_argument("--as", dest="user", default="admin", help="your name in the shell")
    shell.add_argument("--language", default=None, help="language hint (fr, en)")
    shell.add_argument("--example", action="store_true", help="load the example cooperative")
    shell.add_argument(
        "--scheduler",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run scheduled work (polls on time, reminders, digests) while the shell is open "
        "(default: on when typing in a terminal)",
    )
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", default=None)
    admin = sub.add_parser("admin", help="grant admin to a platform account")
    admin.add_argument("action", choices=["add"])
    admin.add_argument("account", help="PLATFORM:USER, e.g. telegram:123456 or matrix:@a:b.org")
    admin.add_argument("--name", default=None)
    tally = sub.add_parser("tally", help="recount a poll export (JSON) independently")
    tally.add_argument("file", help="the JSON file, or - for standard input")
    sub.add_parser("example", help="load the example cooperative into the database")
    return parser


def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrations

    if args.action == "upgrade":
        migrations.upgrade(settings.database_url, args.revision or "head")
        print(f"database upgraded to {args.revision or 'head'}: {settings.safe_database_url()}")
    elif args.action == "downgrade":
        migrations.downgrade(settings.database_url, args.revision or "-1")
        print(f"database downgraded to {args.revision or '-1'}")
    else:
        migrations.current(settings.database_url)
    return 0


def _cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import migrations

    migrations.upgrade(settings.database_url)
    return asyncio.run(_shell(args, settings))


async def _shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from bot.members.bootstrap import seed_example
    from bot.platforms.shell.adapter import ShellSession

    app = await build_app(settings)
    try:
        if args.example:
            codes = await seed_example(app.db, app.organisation)
            if codes:
                print("Example cooperative loaded. Invitation codes: " + ", ".join(codes))
        session = ShellSession(
            app.dispatcher,
            app.db,
            app.clock,
            args.user,
            sys.stdout,
            Path("data") / "shell-files",
            args.language,
            app.messengers,
        )
        interactive = sys.stdin.isatty()
        if interactive:
            print(
                "Parvis — type /help (or /aide), /quit to leave. "
                "Start a line with @name to speak as someone else."
            )
        stop = asyncio.Event()
        scheduler = None
        if args.scheduler if args.scheduler is not None else interactive:
            from bot.jobs.service import scheduling_runner

            run_scheduler = scheduling_runner(frozenset({"shell"}))
            scheduler = asyncio.create_task(run_scheduler(app, stop))
        try:
            await session.run(sys.stdin, interactive)
        finally:
            stop.set()
            if scheduler is not None:
                await scheduler
    finally:
        await app.close()
    return 0


def _cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    platform, sep, user = args.account.partition(":")
    if not sep or not user or platform not in {"telegram", "matrix", "shell"}:
        print(
            "account must look like telegram:123456 or matrix:@alice:example.org", file=sys.stderr
        )
        return 2
    return asyncio.run(_admin_add(settings, platform, user, args.name or user))


async def _admin_add(settings: Settings, platform: str, user: str, name: str) -> int:
    from bot.app import build_app
    from bot.members.service import MembersService

    app = await build_app(settings)
    try:
        async with app.db.uow() as uow:
            member = await MembersService(uow, app.organisation).bootstrap_admin(
                platform, user, name, None
            )
            await uow.commit()
        print(
            f"{platform}:{user} is an administrator of {app.organisation.name} "
            f"(member #{member.id})."
        )
    finally:
        await app.close()
    return 0


def _cmd_example(args: argparse.Namespace, settings: Settings) -> int:
    async def go() -> int:
        from bot.app import build_app
        from bot.members.bootstrap import seed_example

        app = await build_app(settings)
        try:
            codes = await seed_example(app.db, app.organisation)
        finally:
            await app.close()
        print("Invitation codes: " + ", ".join(codes) if codes else "Collèges already set up.")
        return 0

    return asyncio.run(go())


def _cmd_tally(args: argparse.Namespace, settings: Settings) -> int:
    from bot.polls.recount import RecountError, recount

    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        result = recount(json.loads(raw))
    except (OSError, json.JSONDecodeError, RecountError) as error:
        print(f"parvis tally: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False))
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(run(settings))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (Linux, macOS), asyncio's own elsewhere."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


COMMANDS = {
    "run": _cmd_run,
    "shell": _cmd_shell,
    "db": _cmd_db,
    "admin": _cmd_admin,
    "tally": _cmd_tally,
    "example": _cmd_example,
}

if __name__ == "__main__":
    sys.exit(main())
