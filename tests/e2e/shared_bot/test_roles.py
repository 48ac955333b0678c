"""Who a person is, end to end: keyboards, command menus and dialogs follow the level and the activity;
forged numbers in buttons are refused; groups and channels are left, never answered.

One bot for the module (see conftest): each test brings its own users, each admin a phone of its own."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows, indexed_order_id, rescan, set_user
from tests.emulator import SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

SECOND_ADMIN_PHONE = "+375290000022"
SHARED_BOT = {"send_rate_per_chat": 2.0, "admin_phones": [ADMIN_PHONE, SECOND_ADMIN_PHONE]}
CARE_BUTTON = "💬 Написать в службу заботы"


def _commands(user: SimUser) -> set[str]:
    return {command["command"] for command in user.commands}


def _keyboard(user: SimUser) -> list[str]:
    rows = (user.reply_keyboard or {}).get("keyboard", [])
    return [button["text"] if isinstance(button, dict) else button for row in rows for button in row]


def _execute(bot: BotProcess, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(sql, params)


def _alerts(user: SimUser) -> list[str]:
    return [answer.get("text") or "" for answer in user.callback_answers]


async def _change(admin: SimUser, phone: str, *buttons: str) -> None:
    """/admin → the person by phone → their card's `buttons` (a level: "Уровень", then the level)."""
    admin.mark()
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")
    await admin.send_text(phone)
    card = await admin.wait_text("Последний раз в боте")
    for text in buttons:
        card.edited = False
        data = next(data for label, data in card.buttons() if text in label)
        assert data is not None
        await admin.press(data, card.message_id)
        await admin.wait_until(lambda: card.edited)
    assert "✅" in card.content


async def test_keyboard_and_menu_follow_level_and_activity(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    person = emulator.add_user(first_name="Ира", phone="+375291230501")
    client = emulator.add_user(first_name="Клиент", phone="+375291230502")
    await connect(admin)
    await connect(person)
    await connect(client)
    assert CARE_BUTTON in _keyboard(person) and "support" in _commands(person)

    # promoted: the client's button and menu go at once, with the notice
    await _change(admin, person.phone, "Уровень", "Сотрудник")
    await person.wait_text("изменил вашу роль: сотрудник")
    assert person.reply_keyboard is None, "the client's reply keyboard is removed"
    assert "order" in _commands(person) and "support" not in _commands(person)

    # a stale client button tapped inside an order is not relayed to the order's client
    add_order(bot.branch_photo, "r000500001", client.phone)
    await rescan(person)
    oid = await indexed_order_id(bot, "r000500001")
    # enter it as /order would (the /order screens are tested elsewhere)
    set_work = "INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (?, ?, 0)"
    _execute(bot, set_work, (person.id, oid))
    client.mark()
    await person.send_text(CARE_BUTTON)
    await person.wait_text("для клиентов")
    await person.send_text("Машина готова")
    await client.wait_text("Машина готова")
    assert not any(CARE_BUTTON in m.content for m in client.messages)

    # demoted back: the client's keyboard and menu come back
    await _change(admin, person.phone, "Уровень", "Клиент")
    await person.wait_text("изменил вашу роль: клиент")
    assert CARE_BUTTON in _keyboard(person) and "support" in _commands(person)

    # deactivated: no keyboard, no menu of their own; reactivated: the role's again
    await _change(admin, person.phone, "Заблокировать")
    await person.wait_text("Доступ к боту заблокирован")
    assert person.reply_keyboard is None
    await emulator.wait_until(lambda: ("chat", person.id, "") not in emulator._commands)
    assert "support" not in _commands(person)
    await _change(admin, person.phone, "Разблокировать")
    await person.wait_text("изменил вашу роль: клиент")
    assert CARE_BUTTON in _keyboard(person) and "support" in _commands(person)


async def test_demoted_admin_leaves_the_dialog_and_forged_numbers_are_refused(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    other = emulator.add_user(first_name="Второй", phone=SECOND_ADMIN_PHONE)
    await connect(admin)
    await connect(other)

    # forged numbers out of range in admin buttons: a clean refusal, no traceback
    other.mark()
    await other.send_text("/admin")
    await other.wait_text("Меню администратора")
    for data in ("ad:pk:99999999999999999999999:0", "ad:pg:0:-1", "ad:pg:0:99999999999999999999"):
        await other.press(data)
    await emulator.wait_until(lambda: len(_alerts(other)) >= 3)
    assert all("недоступна" in text for text in _alerts(other)[-3:]), _alerts(other)
    assert "Traceback" not in bot.log_text()

    # other has the admin menu open when demoted: the dialog ends with the role
    await _change(admin, SECOND_ADMIN_PHONE, "Уровень", "Сотрудник")
    await other.wait_text("изменил вашу роль: сотрудник")
    other.mark()
    await other.send_text("Добрый день")
    await other.wait_text("не выбран заказ-наряд")  # an employee's text, not swallowed by a dialog
    assert db_rows(bot, "SELECT state FROM fsm WHERE key LIKE ?", (f"%:{other.id}:{other.id}:%",)) in (
        [],
        [(None,)],
    )

    # forged numbers in an employee's buttons: impossible dates, ids beyond SQLite's integers
    answers = len(other.callback_answers)
    forged = ("oc:DAY:2026:2:31", "oc:NEXT-YEAR:9999:1:1", "or:o:99999999999999999999:0", "cv:o:-1")
    for data in forged:
        await other.press(data, message_id=other.messages[-1].message_id)
    await emulator.wait_until(lambda: len(other.callback_answers) >= answers + len(forged))
    refusals = _alerts(other)[answers:]
    assert all("недоступна" in text for text in refusals), refusals
    assert "Traceback" not in bot.log_text()
    set_user(bot, other.id, level=1)


async def test_groups_and_channels_are_left_and_never_answered(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    await connect(admin)
    group = emulator.group_chat(-100500, "supergroup")
    other_group = emulator.group_chat(-100501, "group")
    emulator.push_added_to_group(admin, group)
    emulator.push_group_message(admin, other_group, "/admin")
    emulator.push_group_message(admin, other_group, "/start")
    await emulator.wait_until(lambda: {-100500, -100501} <= set(emulator.left_chats), timeout=15)

    # the admin still gets their menu in the private chat, and nothing went to the groups
    admin.mark()
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")
    to_groups = [call.method for call in emulator.calls if call.chat_id in (-100500, -100501)]
    assert set(to_groups) == {"leaveChat"}, to_groups
