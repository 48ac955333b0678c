"""DurablePolling fires the dispatcher's startup and shutdown observers, as aiogram's polling does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from runtime.polling import DurablePolling
from tests.middle.mocked import MockedBot

pytestmark = pytest.mark.middle


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
