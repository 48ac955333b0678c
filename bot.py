"""Entry point: `python bot.py` starts the bot with long polling.

`--check`, `--backup` and `--demo` (see `python bot.py --help`) live in the ops/ package."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import texts
from config import ConfigError, Settings, load_settings
from ops.lock import AlreadyRunning, InstanceLock, lock_path
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
    from runtime.polling import DurablePolling

    db = await Database.open(settings.database_path, settings.backup_dir, settings.backup_keep)
    bot = build_bot(settings)
    try:
        # Commands, profile and background jobs start and stop with polling: runtime/lifecycle.py.
        dp = build_dispatcher(build_services(settings, db, bot))
        polling = DurablePolling(dp, bot, InboxRepo(db) if settings.durable_inbox else None)
        _stop_on_signals(polling)
        me = await _connect_to_telegram(bot)
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]  # uvloop, or asyncio (Windows)
        log.info(
            "Bot @%s started; orders folder: %s; event loop: %s",
            me.username,
            settings.branch_photo.resolve(),
            loop,
        )
        # What exists now lives as long as the process (aiogram's hundreds of models among it):
        # take it out of the garbage collector's full passes, which would walk it again and again.
        gc.freeze()
        await polling.run()
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bot.py", description="Бот сервиса: фото заказ-нарядов и переписка."
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="проверить настройки, токен, папки, базу, диск")
    mode.add_argument("--backup", action="store_true", help="сделать резервную копию базы сейчас")
    mode.add_argument("--demo", action="store_true", help="попробовать на примерах (временные папка и база)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The database, logs, protocols and backups hold phones and chats: not for other local users.
    # The group keeps read access: staff read the photos the bot files through a group (README).
    os.umask(0o027)
    try:
        settings = load_settings()
    except ConfigError as exc:
        if args.check:
            from ops.check import check_settings_failed

            return check_settings_failed(exc)
        print(f"Ошибка настройки: {exc}", file=sys.stderr)
        return 2
    if args.check:
        from ops.check import run_check

        return run_check(settings)
    if args.backup:
        from ops.backup import backup_command

        return backup_command(settings)
    if args.demo:
        from ops.demo import banner, demo_settings

        settings = demo_settings(settings)
        print(banner(settings))
    setup_logging(settings.log_dir, settings.log_level, secrets=[settings.bot_token])
    lock = InstanceLock(lock_path(settings.database_path))
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        log.critical(texts.already_running(exc.path, exc.pid))
        return 3
    except OSError as exc:
        log.critical("База данных недоступна: %s", texts.lock_unavailable(lock.path, exc))
        return 1
    try:
        return _run_until_stopped(settings)
    finally:
        lock.release()


def _run_until_stopped(settings: Settings) -> int:
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
