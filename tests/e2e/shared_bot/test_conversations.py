"""Conversations end to end: employee ↔ client through an order, closed orders, attention words, care.

One bot for the module (see conftest): each test brings its own staff, client and order folder."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id, rescan
from tests.emulator import SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

ORG = "Автосервис Тест"

SHARED_BOT = {"send_rate_per_chat": 2.0}


async def new_order(bot: BotProcess, staff: SimUser, number: str, phone: str) -> int:
    """This test's own open order for the client `phone`: the folder, then /order (a rescan)."""
    add_order(bot.branch_photo, number, phone)
    await rescan(staff)
    return await indexed_order_id(bot, number)


def execute(bot: BotProcess, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(sql, params)


def choose_order(bot: BotProcess, staff_id: int, order: int | None) -> None:
    """What /order does to the work context (the /order UI is tested with it, separately)."""
    execute(
        bot,
        "INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (?, ?, 0)"
        " ON CONFLICT (telegram_id) DO UPDATE SET order_id = excluded.order_id",
        (staff_id, order),
    )


async def wait_file_text(path: Path, *parts: str, timeout: float = 10.0) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        if all(part in text for part in parts):
            return text
        assert loop.time() < deadline, f"{path} lacks {parts}:\n{text}"
        await asyncio.sleep(0.1)


@pytest.mark.transcript_allow("<i>", "</i>")  # the employee's name, set in the database, shown escaped
async def test_employee_and_client_talk_through_an_order(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order, phone = "c000100001", "+375297000101"  # this test's own order and client
    employee = emulator.add_user(first_name="Пётр", phone="+375291110001")
    client = emulator.add_user(first_name="<b>&", phone=phone)
    await connect_as(bot, employee, 2, name="Пётр <i>Мастер</i>")
    await connect(client)
    oid = await new_order(bot, employee, order, phone)

    await employee.send_text("Добрый день")
    await employee.wait_text("не выбран заказ-наряд")

    choose_order(bot, employee.id, oid)
    await employee.send_text("Машина готова, a < b & c")
    got = await client.wait_text("a < b & c")
    assert f"Сообщение от Пётр <i>Мастер</i>, {ORG}" in got.content

    long_text = ("слово " * 700).strip()  # 4199 characters: with the header, two messages
    await employee.send_text(long_text[:4096])
    parts = await client.wait_for(lambda m: "слово" in m.content, count=2)
    assert "".join(p.content for p in parts).count("слово") == long_text[:4096].count("слово")

    await client.send_text("Спасибо, заберу <завтра>")
    reply = await employee.wait_text("заберу <завтра>")
    assert order in reply.content and "<b>&" in reply.content and phone in reply.content
    assert any(order in text for text, _ in reply.buttons())

    await client.send_photo(b"\x89PNG fake", caption="вот фото")
    photo = await employee.wait_for(lambda m: m.kind == "photo")
    assert "вот фото" in photo[0].content and order in photo[0].content

    protocol = orders_dir / order / f"recording_dialog_{order}.txt"
    await wait_file_text(protocol, "Машина готова, a < b & c", "Спасибо, заберу <завтра>", "вот фото")

    choose_order(bot, employee.id, None)
    employee.mark()
    await employee.press_button(order)
    await emulator.wait_until(
        lambda: (
            db_rows(bot, "SELECT order_id FROM work_context WHERE telegram_id = ?", (employee.id,))
            == [(oid,)]
        )
    )


async def test_reply_about_closed_order_goes_to_admins_with_attention_alert(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order, phone = "c000200002", "+375297000202"  # this test's own order and client
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    employee = emulator.add_user(first_name="Пётр", phone="+375291110002")
    client = emulator.add_user(first_name="Ольга", phone=phone)
    await connect(admin)
    await connect_as(bot, employee, 2)
    await connect(client)
    oid = await new_order(bot, employee, order, phone)
    employee.mark()
    choose_order(bot, employee.id, oid)
    await employee.send_text("Ваш автомобиль готов")
    await client.wait_text("Ваш автомобиль готов")
    await employee.wait_text("Попросите администратора указать")  # no name set: a hint, once

    execute(bot, "UPDATE orders SET is_open = 0 WHERE id = ?", (oid,))
    await employee.send_text("ещё одно")
    await employee.wait_text("закрыт")

    await client.send_text("Очень ДОРОГО и грязно, не нравится")
    alert = await admin.wait_text("Внимание")
    assert "нет открытого заказ-наряда" in alert.content and phone in alert.content
    assert "Очень ДОРОГО" in alert.content
    outside = await admin.wait_text("вне открытых заказ-нарядов")
    assert order in outside.content

    await admin.press_button("Ответить клиенту")
    await admin.wait_text("Напишите ответ клиенту")
    await admin.send_text("Разберёмся, a < b")
    answer = await client.wait_text("Разберёмся, a < b")
    assert f"Служба заботы {ORG}" in answer.content
    await admin.wait_text("Ответ отправлен")

    general = orders_dir / "all_recording_dialog.txt"
    await wait_file_text(general, f"[{order}]", "Очень ДОРОГО", "Разберёмся, a < b")
    outside = "SELECT COUNT(*) FROM protocol WHERE order_id IS NULL AND order_number = ?"
    assert db_rows(bot, outside, (order,)) == [(1,)]
    # the client's next message goes back to whoever answered for customer care
    await client.send_text("Спасибо")
    await admin.wait_text("Сообщение клиента для службы заботы")


async def test_customer_care_receives_and_answers(emulator: TelegramEmulator, bot: BotProcess) -> None:
    care = emulator.add_user(first_name="Забота", phone="+375291110004")
    client = emulator.add_user(first_name="<b>&", phone="+375447778899")
    await connect_as(bot, care, 4, name="Анна")
    await connect(client)

    await client.send_text("Здравствуйте")  # nobody wrote to this client yet
    offer = await client.wait_text("службу заботы")
    assert offer.buttons()
    await client.press_button("Отправить в службу заботы")
    await client.wait_text("передано в службу заботы")
    first = await care.wait_text("Здравствуйте")
    assert "+375447778899" in first.content and "<b>&" in first.content

    await client.send_text("💬 Написать в службу заботы")
    await client.wait_text("Напишите ваше сообщение")
    await client.send_text("Жалоба: a < b")
    await client.wait_text("передано в службу заботы")
    request = await care.wait_text("Жалоба: a < b")
    assert "Обращение в службу заботы" in request.content

    await care.press_button("Ответить")
    await care.wait_text("Напишите ответ клиенту")
    await care.send_text("/cancel")
    await care.wait_text("отменено")
    await care.press_button("Ответить")
    await care.send_text("Мы вам перезвоним")
    answer = await client.wait_text("Мы вам перезвоним")
    assert f"Служба заботы {ORG}" in answer.content
    await client.send_text("Жду")
    await care.wait_text("Жду")
    thread = "SELECT care_id FROM care_threads WHERE client_id = ?"
    assert db_rows(bot, thread, (client.id,)) == [(care.id,)]
