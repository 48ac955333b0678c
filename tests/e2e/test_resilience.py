"""Bad environment, end to end: a locked database, an unusable database path, a 4096-character text."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from tests.e2e.conftest import BotFactory
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows
from tests.emulator import TelegramEmulator


async def test_locked_database_delays_but_loses_nothing(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(phone="+375291112233")
    await connect(client)
    release = threading.Event()

    def hold_lock() -> None:
        with sqlite3.connect(bot.database_path, timeout=10) as conn:
            conn.execute("BEGIN EXCLUSIVE")
            release.wait(15)
            conn.rollback()

    locker = threading.Thread(target=hold_lock)
    locker.start()
    await asyncio.sleep(0.3)
    client.mark()
    await client.send_text("/help")
    await asyncio.sleep(12)  # longer than the bot's busy timeout
    release.set()
    locker.join()
    await client.wait_text("/support", timeout=30)


async def test_unusable_database_path_stops_with_a_clear_message(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(start=False, extra_env={"DATABASE_PATH": "/proc/no-such-dir/bot.db"})
    await bot.start(wait_polling=False)
    assert await bot.wait(timeout=60) == 1
    output = bot.output_text()
    assert "База данных недоступна" in output
    assert "Traceback" not in output


async def test_longest_text_and_markup_are_handled(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(first_name="<b>&amp;", phone="+375291112233")
    await connect(client)
    client.mark()
    await client.send_text("<" * 4096)
    reply = await client.wait_for(timeout=15)
    assert reply[0].content
    assert db_rows(bot, "SELECT tg_name FROM users WHERE telegram_id = ?", (client.id,)) == [("<b>&amp;",)]


async def test_rejected_token_stops_with_a_clear_message(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(start=False, extra_env={"BOT_TOKEN": "999999:WRONG-token-abc"})
    await bot.start(wait_polling=False)
    assert await bot.wait(timeout=60) == 2
    output = bot.output_text()
    assert "BOT_TOKEN" in output and "Traceback" not in output


async def test_no_network_at_start_keeps_trying_until_stopped(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(start=False, extra_env={"TELEGRAM_API_URL": "http://127.0.0.1:9"})
    await bot.start(wait_polling=False)
    for _ in range(300):
        if "getMe failed" in bot.output_text():  # the one outgoing path retries with backoff, then repeats
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)
    assert "getMe failed" in bot.output_text()
    assert bot.running
    assert await bot.stop() is not None
    assert "Traceback" not in bot.output_text()
