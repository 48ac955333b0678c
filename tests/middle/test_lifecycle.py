"""DurablePolling fires the dispatcher's startup and shutdown observers, as aiogram's polling does."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from runtime import lifecycle
from runtime.polling import DurablePolling
from tests.middle.conftest import App
from tests.middle.mocked import MockedBot

pytestmark = pytest.mark.middle

# the loops runtime/lifecycle.py starts with polling (the one-off jobs may be over already)
JOBS = {
    "Outbox.run",
    "Database.checkpoint_periodically",
    "OrderIndex.run_periodically",
    "FolderWatcher.run_periodically",
    "Monitor.run",
    "backup_daily",
}


async def test_startup_and_shutdown_observers_fire_once_each_around_polling() -> None:
    bot = MockedBot()
    dp = Dispatcher(shop="Автоцентр")
    polling = DurablePolling(dp, bot, inbox=None)
    events: list[tuple[str, dict[str, Any]]] = []

    @dp.startup()
    async def started(bot: Bot, dispatcher: Dispatcher, bots: list[Bot], shop: str) -> None:
        events.append(("startup", {"bot": bot, "dispatcher": dispatcher, "bots": bots, "shop": shop}))

    @dp.shutdown()
    async def stopped(bot: Bot) -> None:
        events.append(("shutdown", {"bot": bot}))

    running = asyncio.create_task(polling.run())
    await bot.session.wait_for(lambda: bool(bot.session.calls("getUpdates")))
    assert [name for name, _ in events] == ["startup"]
    polling.stop()
    await running

    assert [name for name, _ in events] == ["startup", "shutdown"]
    assert events[0][1] == {"bot": bot, "dispatcher": dp, "bots": [bot], "shop": "Автоцентр"}
    assert events[1][1] == {"bot": bot}


async def test_the_bots_dispatcher_sets_the_menu_at_startup_and_stops_its_jobs_at_shutdown(app: App) -> None:
    polling = DurablePolling(app.dp, app.bot, inbox=None)
    before = asyncio.all_tasks()
    running = asyncio.create_task(polling.run())
    await app.session.wait_for(lambda: bool(app.session.calls("getUpdates")))
    menus = [m for m in app.session.calls("setMyCommands") if m.scope.type == "default"]  # type: ignore[attr-defined]
    assert [c.command for c in menus[0].commands] == ["start", "help"]  # type: ignore[attr-defined]
    jobs = [t for t in asyncio.all_tasks() - before if t.get_coro().__qualname__ in JOBS]  # type: ignore[union-attr]
    assert {t.get_coro().__qualname__ for t in jobs} == JOBS  # type: ignore[union-attr]
    polling.stop()
    await running
    assert all(job.done() for job in jobs)


async def test_shutdown_ends_a_job_that_swallowed_the_first_cancel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "CANCEL_RECHECK_SECONDS", 0.01)

    waiting = asyncio.Event()

    async def stubborn() -> None:
        waiting.set()
        with contextlib.suppress(asyncio.CancelledError):  # what wait_for does on 3.11 at a wake-up
            await asyncio.Event().wait()
        await asyncio.Event().wait()

    job = asyncio.create_task(stubborn())
    await waiting.wait()
    await asyncio.wait_for(lifecycle._cancel_all([job]), timeout=10)  # a hang fails the test
    assert job.cancelled()
