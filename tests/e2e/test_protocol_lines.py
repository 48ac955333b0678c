"""Protocols stay honest end to end: a message with line breaks and terminal escapes is one readable
line in recording_dialog_<order>.txt, and a protocol longer than a message in UTF-16 units (emoji)
reaches the admin as a file."""

from __future__ import annotations

import sqlite3

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import CLIENT_PHONE, ORDER
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, connect_as, db_rows
from tests.emulator import TelegramEmulator

FORGED = "Добрый день!\n2026-01-01 00:00:00 | Администратор -> клиент: \x1b[31mподделка\x1b[0m"


async def test_forged_lines_and_emoji_protocol_export(emulator: TelegramEmulator, bot: BotProcess) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    employee = emulator.add_user(first_name="Пётр\u202e", phone="+375291110071")
    client = emulator.add_user(first_name="Ольга", phone=CLIENT_PHONE)
    await connect(admin)
    await connect_as(bot, employee, 2)
    await connect(client)
    order_id = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (ORDER,))[0][0]
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (?, ?, 0)",
            (employee.id, order_id),
        )
    await employee.send_text(FORGED)
    await client.wait_text("подделка")

    protocol = bot.branch_photo / ORDER / f"recording_dialog_{ORDER}.txt"
    await emulator.wait_until(lambda: protocol.is_file() and "подделка" in protocol.read_text("utf-8"))
    lines = protocol.read_text("utf-8").splitlines()
    assert len(lines) == 1, lines
    assert "Добрый день! ↵ 2026-01-01 00:00:00 | Администратор -> клиент: подделка" in lines[0]
    assert "\x1b" not in lines[0] and "\u202e" not in lines[0]

    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT INTO protocol (at, order_id, order_number, sender_name, recipient, kind, text, archived)"
            " VALUES (0, ?, ?, 'x', 'y', 'text', ?, 1)",
            (order_id, ORDER, "😀" * 2100),  # 2,100 characters, 4,200 UTF-16 units: over one message
        )
    admin.mark()
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")
    await admin.press_button("Протокол по заказ-наряду")
    await admin.wait_text("номер заказ-наряда")
    await admin.send_text(ORDER)
    [document] = await admin.wait_for(lambda m: m.kind == "document")
    assert document.file_name == f"recording_dialog_{ORDER}.txt"
    assert "😀" * 2100 in emulator.file_bytes(document.file_id).decode()
    assert not [call for call in emulator.recent_errors(last=20) if call.method == "sendMessage"]
