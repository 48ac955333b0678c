"""Entry point: `python bot.py` starts the bot with long polling."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from config import ConfigError, Settings, load_settings
from runtime.logs import setup_logging

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import User

    from runtime.polling import DurablePolling

RECONNECT_SECONDS = 30

log = logging.getLogger("bot")


async def run(settings: Settings) -> None:
    # aiogram takes seconds to import; settings are checked before paying for it.
    from database.connection import Database
    from database.inbox import InboxRepo
    from runtime.app import build_bot, build_dispatcher, build_services
    from runtime.commands import set_default_commands
    from runtime.polling import DurablePolling

    db = await Database.open(settings.database_path)
    bot = build_bot(settings)
    try:
        services = build_services(settings, db, bot)
        dp = build_dispatcher(services)
        polling = DurablePolling(dp, bot, InboxRepo(db) if settings.durable_inbox else None)
        _stop_on_signals(polling)
        me = await _connect_to_telegram(bot)
        await set_default_commands(bot)
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]  # uvloop, or asyncio (Windows)
        log.info(
            "Bot @%s started; orders folder: %s; event loop: %s",
            me.username,
            settings.branch_photo.resolve(),
            loop,
        )
        jobs = [asyncio.create_task(job) for job in services.background_jobs()]
        # What exists now lives as long as the process (aiogram's hundreds of models among it):
        # take it out of the garbage collector's full passes, which would walk it again and again.
        gc.freeze()
        try:
            await polling.run()
        finally:
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await services.close()
    finally:
        await bot.session.close()
        await db.close()
        log.info("Bot stopped")


async def _connect_to_telegram(bot: Bot) -> User:
    """A server that boots before its network is up keeps trying instead of exiting."""
    from aiogram.exceptions import TelegramNetworkError, TelegramServerError

    while True:
        try:
            return await bot.get_me()
        except (TelegramNetworkError, TelegramServerError) as exc:
            log.error("Нет связи с Telegram (%s); новая попытка через %d с", exc, RECONNECT_SECONDS)
            await asyncio.sleep(RECONNECT_SECONDS)


def _stop_on_signals(polling: DurablePolling) -> None:
    """SIGINT/SIGTERM stop polling gracefully; before polling starts they cancel start-up."""
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()

    def on_signal() -> None:
        if polling.running:
            polling.stop()
        elif main_task is not None:
            main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl+C arrives as KeyboardInterrupt
            loop.add_signal_handler(sig, on_signal)


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """uvloop where it is installed (Linux): the same asyncio with a faster loop, which takes
    about a quarter off the time a message spends in the bot. Windows has no uvloop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Ошибка настройки: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_dir, settings.log_level, secrets=[settings.bot_token])
    from aiogram.exceptions import TelegramUnauthorizedError

    from database.connection import DatabaseError

    try:
        run_event_loop(run(settings))
    except (KeyboardInterrupt, asyncio.CancelledError):
        log.info("Stopped")
    except DatabaseError as exc:
        log.critical("База данных недоступна: %s", exc)
        return 1
    except TelegramUnauthorizedError:
        log.critical("Telegram не принял BOT_TOKEN: проверьте токен у @BotFather")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
