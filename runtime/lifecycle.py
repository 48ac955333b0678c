"""What runs when polling starts and stops, as the dispatcher's startup and shutdown observers.

`DurablePolling` fires `dp.startup`/`dp.shutdown` the way aiogram's own polling does, so this work
(and any aiogram extension that hooks those observers) runs around polling, not around `bot.py`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher

from ops.backup import backup_daily
from ops.health import build_monitor
from runtime.commands import set_bot_profile, set_default_commands, sync_staff_menus

if TYPE_CHECKING:
    from runtime.app import Services

CANCEL_RECHECK_SECONDS = 0.5


class Lifecycle:
    """Starts the background jobs with polling and cancels them, then closes the services, after it."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._jobs: list[asyncio.Task[None]] = []

    def register(self, dp: Dispatcher) -> None:
        dp.startup.register(self.on_startup)
        dp.shutdown.register(self.on_shutdown)

    async def on_startup(self, bot: Bot) -> None:
        services = self._services
        await set_default_commands(bot)  # before the first update: a new user sees the menu at once
        ops_jobs = [
            build_monitor(services.settings, services.db, services.users, services.outbox).run(),
            backup_daily(services.settings),
            set_bot_profile(bot),
            sync_staff_menus(bot, services.users),
        ]
        self._jobs = [asyncio.create_task(job) for job in [*services.background_jobs(), *ops_jobs]]

    async def on_shutdown(self) -> None:
        jobs, self._jobs = self._jobs, []
        await _cancel_all(jobs)
        await self._services.close()


async def _cancel_all(jobs: list[asyncio.Task[None]]) -> None:
    """Cancel until each job has ended: on Python 3.11 `asyncio.wait_for` swallows a cancel that meets
    its own wake-up (fixed in 3.12), and a loop waiting that way would keep running."""
    pending = set(jobs)
    while pending:
        for job in pending:
            job.cancel()
        _, pending = await asyncio.wait(pending, timeout=CANCEL_RECHECK_SECONDS)
    for job in jobs:  # retrieve the outcomes, so none is logged as never retrieved
        if not job.cancelled():
            job.exception()
