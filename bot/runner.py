"""`parvis run`: start every configured platform adapter in one loop."""

from __future__ import annotations

import logging

from bot.app import Runner, build_app, run_services
from bot.settings import Settings

log = logging.getLogger(__name__)


def configured_runners(settings: Settings) -> list[Runner]:
    """The adapters whose credentials are present in the settings, and the scheduler (polls
    on time, reminders, digests) sending through them when there is at least one."""
    runners: list[Runner] = []
    platforms: set[str] = set()
    if settings.telegram.token is not None and settings.telegram.token.get_secret_value():
        from bot.platforms.telegram.adapter import run_telegram

        runners.append(run_telegram)
        platforms.add("telegram")
    if settings.matrix.homeserver and settings.matrix.user_id:
        from bot.platforms.matrix.runner import matrix_runner

        runners.append(matrix_runner(settings.matrix))
        platforms.add("matrix")
    if runners:
        from bot.jobs.service import scheduling_runner

        runners.append(scheduling_runner(frozenset(platforms)))
    return runners


async def run(settings: Settings) -> int:
    """Run until stopped; exit code 2 when nothing is configured."""
    runners = configured_runners(settings)
    if not runners:
        log.error(
            "no platform configured: set PARVIS_TELEGRAM__TOKEN or PARVIS_MATRIX__HOMESERVER "
            "(see config/example.env), or try `parvis shell`"
        )
        return 2
    app = await build_app(settings)
    log.info("Parvis starting", extra={"database": settings.safe_database_url()})
    await run_services(app, runners)
    return 0
