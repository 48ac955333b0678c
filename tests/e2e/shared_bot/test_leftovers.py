"""Gaps left by issues 15 and 16, end to end: an admin's text meant for the client while the admin menu
is open; a command or another order ends a waiting prompt; a status redraws the pin of everyone on the
order; status templates edited from the admin menu.

One bot for the module (see conftest): each test brings its own users, orders and phones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import blob, choose_stage, open_by_search, search, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows, indexed_order_id
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

SECOND_ADMIN_PHONE = "+375290000071"  # the templates test's admin
SHARED_BOT = {"admin_phones": [ADMIN_PHONE, SECOND_ADMIN_PHONE]}


async def _owner(emulator: TelegramEmulator, phone: str) -> SimUser:
    owner = emulator.add_user(first_name="Владелец", phone=phone)
    await connect(owner)
    return owner


def _button(message: BotMessage, part: str) -> str:
    return next(data for text, data in message.buttons() if part in text and data)


# --- 1. the admin menu and a text meant for the client ----------------------------------------------


async def test_admin_text_finding_nobody_goes_to_the_client_with_one_tap(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone = "LV-41010", "+375297100010"
    add_order(orders_dir, number, phone, plate_number="4101 AB-7")
    owner = await _owner(emulator, phone)
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    await connect(admin)
    await open_by_search(admin, number)  # the admin works on the order: its chat is entered
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")

    await admin.send_text("Добрый день! Машина готова, можно забирать")
    hint = await admin.wait_text("Никого не нашлось")
    assert number in hint.content
    assert hint.raw["reply_to_message"]["text"] == "Добрый день! Машина готова, можно забирать"
    assert any("Меню" in text for text, _ in hint.buttons()), "the menu stays one tap away"
    assert not [m for m in owner.messages if "Машина готова" in m.content], "nothing sent untold"
    await admin.press(_button(hint, "Отправить это клиенту"), hint.message_id)
    await owner.wait_text("Машина готова, можно забирать")
    await admin.wait_until(lambda: not hint.buttons() or "Отправить" not in str(hint.buttons()))

    # the menu closed with it: the next text goes to the client, no search
    await admin.send_text("Ждём вас до 19:00")
    await owner.wait_text("Ждём вас до 19:00")

    # a command leaves the menu too: /order, then a name is not searched as a person
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")
    await admin.send_text("/order")
    await admin.wait_text("Выберите заказ-наряд")
    admin.mark()
    await admin.send_text("Владелец")
    await admin.wait_text("не отправлено")  # the employee's hint (not in the order's chat after /order)
    assert not [m for m in admin.messages[-3:] if "Найдено" in m.content or "Карточка" in m.content]


# --- 2. a command or another order ends a waiting prompt --------------------------------------------


async def test_order_command_ends_a_mark_note_prompt(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone = "LV-41020", "+375297100020"
    add_order(orders_dir, number, phone, plate_number="4102 AB-7")
    owner = await _owner(emulator, phone)
    employee = await staff(bot, emulator, "+375291710020")
    await open_by_search(employee, number)
    await choose_stage(employee)
    await employee.send_photo(blob("leftover-note"))
    report = await wait_report(employee)
    await owner.wait_for(lambda m: m.kind == "photo")
    await employee.press(_button(report, "скоро"), report.message_id)
    await employee.wait_until(lambda: "заметку" in report.content)

    await employee.send_text("/order")
    await employee.wait_text("Выберите заказ-наряд")
    await employee.send_text("масло темнеет")
    await employee.wait_text("не отправлено")  # a plain text after /order: the usual hint, not a note
    order_id = await indexed_order_id(bot, number)
    notes = db_rows(
        bot,
        "SELECT k.note FROM media_marks k JOIN media m ON m.id = k.media_id WHERE m.order_id = ?",
        (order_id,),
    )
    assert notes == [("",)], "the text after /order is not the mark's note"


async def test_tapping_another_order_ends_the_recommendation_dialog(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    first, second = "LV-41031", "LV-41032"
    add_order(orders_dir, first, "+375297100031", plate_number="4103 AB-7")
    add_order(orders_dir, second, "+375297100032", plate_number="4104 AB-7")
    await _owner(emulator, "+375297100031")
    owner_b = await _owner(emulator, "+375297100032")
    employee = await staff(bot, emulator, "+375291710030")
    listed = await search(employee, "LV-4103")
    await employee.press(_button(listed, first), listed.message_id)
    await employee.wait_text("Выберите тип действия")
    await employee.press_button("🛠 Рекомендации")
    await employee.wait_text("Ждут решения")
    await employee.press_button("Новая рекомендация")
    await employee.wait_text("Что нужно сделать")

    await employee.press(_button(listed, second), listed.message_id)  # the list shown before
    await employee.wait_text(f"{second}")
    await employee.send_text("Добрый день, автомобиль принят")
    await owner_b.wait_text("Добрый день, автомобиль принят")
    assert not [m for m in employee.messages if "Почему это нужно" in m.content]


# --- 3. a status redraws every pin of the order -------------------------------------------------------


async def test_status_redraws_the_pin_of_everyone_on_the_order(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number = "LV-41040"
    add_order(orders_dir, number, "+375297100040", plate_number="4105 AB-7")
    first = await staff(bot, emulator, "+375291710041")
    second = await staff(bot, emulator, "+375291710042")
    await open_by_search(first, number)
    await open_by_search(second, number)
    await choose_stage(second)
    pin = second.pinned
    assert pin is not None and "Статус: В работе" not in pin.content

    await first.press_button("Статус")
    menu = await first.wait_text("Выберите новый")
    await first.press(_button(menu, "В работе"), menu.message_id)
    await first.wait_until(lambda: "«В работе»" in menu.content)
    await second.wait_until(lambda: second.pinned is not None and "Статус: В работе" in second.pinned.content)
    assert second.pinned is pin, "edited in place, not a new pinned message"
    assert "Прием автомобилей" in pin.content, "the second one's stage stays in the pin"


# --- 4. status messages edited from the admin menu ----------------------------------------------------


# the template editor shows the admin the placeholders to type, by design
@pytest.mark.transcript_allow("{order}", "{plate}", "{status}", "{organization}", "{{", "}}")
async def test_admin_sees_and_edits_a_status_message_and_the_owner_gets_it(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    admin = emulator.add_user(first_name="Админ2", phone=SECOND_ADMIN_PHONE)
    await connect(admin)
    await admin.send_text("/admin")
    menu = await admin.wait_text("Меню администратора")
    await admin.press(_button(menu, "Сообщения о статусах"), menu.message_id)
    await admin.wait_until(lambda: "Выберите статус" in menu.content)  # the same message, edited
    await admin.press(_button(menu, "Готов к выдаче"), menu.message_id)
    await admin.wait_until(lambda: "Клиент сейчас получает" in menu.content)
    assert "готов к выдаче. Ждём вас в {organization}!" in menu.content  # the template in force

    await admin.send_text("Заказ {order} готов, {color} не бывает")  # an unknown placeholder
    await admin.wait_text("Текст не сохранён")
    await admin.send_text("Ура, {plate} готов!\nЗаберите в {organization} до 20:00 <b>&")
    saved = await admin.wait_text("сохранено")
    assert "Ура, 1234 AB-7 готов!" in saved.content and "Автосервис Тест до 20:00 <b>&" in saved.content
    written = bot.status_messages_path.read_text("utf-8")
    assert "[ready]\nУра, {plate} готов!\nЗаберите в {organization} до 20:00 <b>&\n" in written
    assert "[in_work]" in written and "# " in written, "the rest of the file is kept"
    assert not list(bot.status_messages_path.parent.glob("status_messages.txt.tmp"))

    # the menu stays open after saving: a typed name is a search again, not a template
    await admin.send_text("Никтотакойнеизвестен")
    await admin.wait_text("Никого не нашлось")

    number, phone = "LV-41050", "+375297100050"
    add_order(orders_dir, number, phone, plate_number="4106 AB-7")
    owner = await _owner(emulator, phone)
    employee = await staff(bot, emulator, "+375291710050")
    await open_by_search(employee, number)
    await employee.press_button("Статус")
    status_menu = await employee.wait_text("Выберите новый")
    await employee.press(_button(status_menu, "Готов к выдаче"), status_menu.message_id)
    told = await owner.wait_text("Ура, 4106 AB-7 готов!")
    assert "до 20:00 <b>&" in told.content
