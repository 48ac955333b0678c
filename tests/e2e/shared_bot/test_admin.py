"""The admin menu end to end: level, name, activity, protocols, the user list, the last admin.

One bot for the module (see conftest): each test brings its own users, its admin a phone of its own."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, connect_as, db_rows
from tests.emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

ORDER = "a000177322"  # fixture: open, client +375298943508 (only the protocol test uses it)

SECOND_ADMIN_PHONE = "+375290000002"  # the last-admin test's admin: found by phone, alone
SHARED_BOT = {"send_rate_per_chat": 2.0, "admin_phones": [ADMIN_PHONE, SECOND_ADMIN_PHONE]}


async def open_menu(admin) -> None:
    admin.mark()
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")


def _commands(user) -> set[str]:
    return {command["command"] for command in user.commands}


def _alerts(user) -> list[str]:
    return [answer.get("text") or "" for answer in user.callback_answers]


async def test_admin_changes_level_name_and_activity(emulator: TelegramEmulator, bot: BotProcess) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    worker = emulator.add_user(first_name="<b>&", phone="+375291112233")
    await connect(admin)
    await connect(worker)
    await emulator.wait_until(lambda: "support" in _commands(worker))

    # level: find by phone (a bad phone first), pick "employee"
    await open_menu(admin)
    await admin.press_button("Уровень доступа")
    await admin.wait_text("номер телефона пользователя")
    await admin.send_text("не телефон")
    await admin.wait_text("не похоже на номер телефона")
    await admin.send_text("8 029 111-22-33")
    card = await admin.wait_text("Выберите новый уровень")
    assert "<b>&" in card.content
    await admin.press_button("2 — сотрудник")
    await admin.wait_text("Уровень пользователя <b>&: сотрудник")
    await worker.wait_text("изменил вашу роль: сотрудник")
    await emulator.wait_until(lambda: "order" in _commands(worker) and "support" not in _commands(worker))
    assert db_rows(bot, "SELECT level FROM users WHERE telegram_id = ?", (worker.id,)) == [(2,)]

    # name: pick from the paged list; an empty name is asked again
    await open_menu(admin)
    await admin.press_button("Имя пользователя")
    await admin.wait_text("номер телефона пользователя")
    await admin.press_button("Список пользователей")
    await admin.wait_until(lambda: any("+375291112233" in t for t in _button_texts(admin)))
    await admin.press_button("+375291112233")
    await admin.wait_text("Отправьте новое имя")
    await admin.send_text("x" * 65)
    await admin.wait_text("от 1 до 64 символов")
    await admin.send_text("Мастер <Пётр> & Ко")
    await admin.wait_text("Мастер <Пётр> & Ко")
    named = db_rows(bot, "SELECT name FROM users WHERE telegram_id = ?", (worker.id,))
    assert named == [("Мастер <Пётр> & Ко",)]

    # activity: the Cancel button works at a step; then deactivate → the user is blocked
    await open_menu(admin)
    await admin.press_button("Активность пользователя")
    await admin.wait_text("номер телефона пользователя")
    await admin.press_button("Отмена")
    await admin.wait_until(lambda: any("отменено" in m.content for m in admin.messages[-3:]))
    await open_menu(admin)
    await admin.press_button("Активность пользователя")
    await admin.wait_text("номер телефона пользователя")
    await admin.send_text("+375291112233")
    await admin.wait_text("Выберите активность")
    await admin.press_button("2 — не активен")
    await admin.wait_text("не активен")
    worker.mark()
    await worker.send_text("привет")
    await worker.wait_text("Доступ к боту заблокирован")


def _button_texts(user) -> list[str]:
    return [text for message in user.messages[-3:] for text, _ in message.buttons()]


async def test_last_admin_keeps_the_role_and_protocols_are_readable(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=SECOND_ADMIN_PHONE)
    employee = emulator.add_user(first_name="Пётр", phone="+375291110001")
    client = emulator.add_user(first_name="Ольга", phone="+375298943508")
    await connect(admin)
    await connect_as(bot, employee, 2, name="Пётр")
    await connect(client)

    # the only admin cannot demote nor deactivate themselves (admins of other tests in this module
    # are set inactive for this part and restored after it)
    other_admins = "SELECT telegram_id FROM users WHERE level = 1 AND activity = 1 AND telegram_id != ?"
    others = db_rows(bot, other_admins, (admin.id,))
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.executemany("UPDATE users SET activity = 2 WHERE telegram_id = ?", others)
    await open_menu(admin)
    await admin.press_button("Уровень доступа")
    await admin.wait_text("номер телефона пользователя")
    await admin.send_text(SECOND_ADMIN_PHONE)
    await admin.wait_text("Выберите новый уровень")
    await admin.press_button("3 — клиент")
    await emulator.wait_until(lambda: any("единственный активный администратор" in t for t in _alerts(admin)))
    await open_menu(admin)
    await admin.press_button("Активность пользователя")
    await admin.wait_text("номер телефона пользователя")
    await admin.send_text(SECOND_ADMIN_PHONE)
    await admin.wait_text("Выберите активность")
    await admin.press_button("2 — не активен")
    await emulator.wait_until(
        lambda: sum("единственный активный администратор" in t for t in _alerts(admin)) == 2
    )
    assert db_rows(bot, "SELECT level, activity FROM users WHERE telegram_id = ?", (admin.id,)) == [(1, 1)]
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.executemany("UPDATE users SET activity = 1 WHERE telegram_id = ?", others)

    # a conversation in the order, and one message outside open orders
    order_id = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (ORDER,))[0][0]
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (?, ?, 0)",
            (employee.id, order_id),
        )
    await employee.send_text("Готово, a < b")
    await client.wait_text("Готово, a < b")
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute("UPDATE orders SET is_open = 0 WHERE id = ?", (order_id,))
    await client.send_text("Вопрос после закрытия")
    await admin.wait_text("Вопрос после закрытия")

    await open_menu(admin)
    await admin.press_button("Протокол по заказ-наряду")
    await admin.wait_text("номер заказ-наряда")
    await admin.send_text("нет-такого")
    await admin.wait_text("не найден")
    await admin.send_text(ORDER)
    protocol = await admin.wait_text("Готово, a < b")
    assert "закрыт" in protocol.content and "Пётр" in protocol.content

    await open_menu(admin)
    await admin.press_button("Протокол вне открытых")
    general = await admin.wait_text("Вопрос после закрытия")
    assert ORDER in general.content

    # a long protocol comes as a file
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.executemany(
            "INSERT INTO protocol (at, sender_name, recipient, kind, text, archived)"
            " VALUES (0, 'x', 'y', 'text', ?, 1)",
            [(f"строка {i} " + "текст " * 10,) for i in range(100)],
        )
    await open_menu(admin)
    await admin.press_button("Протокол вне открытых")
    document = await admin.wait_for(lambda m: m.kind == "document")
    assert document[0].file_name == "all_recording_dialog.txt"
    assert "строка 99" in emulator.file_bytes(document[0].file_id).decode()

    ((total,),) = db_rows(bot, "SELECT COUNT(*) FROM users")
    ((admins,),) = db_rows(bot, "SELECT COUNT(*) FROM users WHERE level = 1 AND activity = 1")
    assert total >= 3 and admins >= 1
    await open_menu(admin)
    await admin.press_button("Список пользователей")
    summary = await admin.wait_text("Пользователи:")
    lines = summary.content.splitlines()
    assert lines[0].endswith(f"Пользователи: {total}"), summary.content
    assert f"администратор: активных {admins}, не активных 0" in lines, summary.content
    listing = await admin.wait_for(lambda m: m.kind == "document")
    assert "+375298943508" in emulator.file_bytes(listing[0].file_id).decode()
