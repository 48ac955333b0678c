"""A photo the client sends about an open order reaches the employee and is kept in the order folder."""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows, set_user
from tests.emulator import TelegramEmulator

ORDER = "a000177322"
CLIENT_PHONE = "+375298943508"


async def test_client_photo_is_forwarded_and_filed(emulator: TelegramEmulator, bot: BotProcess) -> None:
    employee = emulator.add_user(first_name="Мастер", phone="+375447000009")
    client = emulator.add_user(first_name="Владелец", phone=CLIENT_PHONE)
    await connect(employee)
    await connect(client)
    set_user(bot, employee.id, level=2, name="Пётр Мастеров")
    await emulator.wait_until(lambda: bool(db_rows(bot, "SELECT 1 FROM orders WHERE number = ?", (ORDER,))))
    order_id = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (ORDER,))[0][0]
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO work_context (telegram_id, order_id, type_label, updated_at)"
            " VALUES (?, ?, 'Прием автомобилей', ?)",
            (employee.id, order_id, time.time()),
        )
    await employee.send_text("Пришлите, пожалуйста, фото документов")
    await client.wait_text("Пришлите, пожалуйста")
    photo = b"\xff\xd8\xff\xe0client-photo" * 100
    await client.send_photo(photo, caption="вот <техпаспорт>")
    forwarded = await employee.wait_for(lambda m: m.kind == "photo", timeout=15)
    assert "вот <техпаспорт>" in forwarded[0].content and ORDER in forwarded[0].content
    folder = bot.branch_photo / ORDER / "Client"
    await emulator.wait_until(lambda: folder.is_dir() and any(folder.iterdir()), timeout=10)
    [saved] = list(folder.iterdir())
    assert saved.read_bytes() == photo
    protocol = bot.branch_photo / ORDER / f"recording_dialog_{ORDER}.txt"
    await emulator.wait_until(lambda: protocol.is_file() and "Client/" in protocol.read_text("utf-8"))
    assert "вот <техпаспорт>" in protocol.read_text("utf-8")
