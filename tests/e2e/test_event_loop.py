"""The bot on plain asyncio, as on Windows where there is no uvloop: it works and stops cleanly."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from tests.e2e.conftest import BotFactory
from tests.e2e.helpers import connect, db_rows, indexed_order_id, set_user
from tests.emulator import TelegramEmulator

ORDER = "a000177322"  # fixture: open, client +375298943508
CLIENT_PHONE = "+375298943508"


async def test_without_uvloop_the_bot_runs_on_asyncio(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, tmp_path: Path
) -> None:
    no_uvloop = tmp_path / "no-uvloop"
    no_uvloop.mkdir()
    (no_uvloop / "uvloop.py").write_text('raise ImportError("no uvloop on Windows")\n', encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(no_uvloop), os.environ.get("PYTHONPATH")]))
    bot = await bot_factory(branch_photo=orders_dir, extra_env={"PYTHONPATH": path})
    assert "event loop: asyncio" in bot.output_text()

    employee = emulator.add_user(first_name="Мастер", phone="+375447000019")
    client = emulator.add_user(first_name="Владелец", phone=CLIENT_PHONE)
    await connect(employee)
    await connect(client)
    set_user(bot, employee.id, level=2, name="Пётр Мастеров")
    order_id = await indexed_order_id(bot, ORDER)
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO work_context (telegram_id, order_id, type_label, updated_at)"
            " VALUES (?, ?, 'Прием автомобилей', ?)",
            (employee.id, order_id, time.time()),
        )
    await employee.send_text("Машина готова, a < b")
    relayed = await client.wait_text("Машина готова, a < b")
    assert "Пётр Мастеров" in relayed.content

    assert await bot.stop() == 0  # SIGTERM: a clean stop on asyncio too
    assert db_rows(bot, "SELECT COUNT(*) FROM inbox") == [(0,)]  # every update handled and confirmed
