"""The admin menu end to end: finding a person (phone, part of a name, the list), their one card with
every action on it (edited in place, the menu staying open), staff registered in advance by phone (taps
counted), forged buttons, the last admin, protocols found by a part of the number with files named in
words, the user list.

One bot for the module (see conftest): each test brings its own users, its admin a phone of its own."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import blob, choose_stage, open_by_search, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

ORDER = "a000177322"  # fixture: open, client +375298943508 (only the last-admin test uses it)

SECOND_ADMIN_PHONE = "+375290000002"  # the last-admin test's admin: found by phone, alone
SHARED_BOT = {"send_rate_per_chat": 2.0, "admin_phones": [ADMIN_PHONE, SECOND_ADMIN_PHONE]}


async def open_menu(admin: SimUser) -> BotMessage:
    admin.mark()
    await admin.send_text("/admin")
    return await admin.wait_text("Меню администратора")


def _commands(user: SimUser) -> set[str]:
    return {command["command"] for command in user.commands}


def _alerts(user: SimUser) -> list[str]:
    return [answer.get("text") or "" for answer in user.callback_answers]


def _button_texts(message: BotMessage) -> list[str]:
    return [text for text, _ in message.buttons()]


async def _press_on(user: SimUser, message: BotMessage, text: str) -> None:
    """Press the button containing `text` on this very message (a card, a list)."""
    data = next(data for label, data in message.buttons() if text in label)
    assert data is not None
    await user.press(data, message.message_id)


async def test_a_card_is_found_by_phone_name_or_list_and_every_action_edits_it_in_place(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    worker = emulator.add_user(first_name="<b>&", phone="+375291112233")
    await connect(admin)
    await connect(worker)
    await emulator.wait_until(lambda: "support" in _commands(worker))

    # last seen: written by the user middleware (at most once per few minutes)
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute("UPDATE users SET last_seen = NULL WHERE telegram_id = ?", (worker.id,))
    await worker.send_text("/help")
    await worker.wait_text("/cancel")
    seen = "SELECT last_seen IS NOT NULL FROM users WHERE telegram_id = ?"
    await emulator.wait_until(lambda: db_rows(bot, seen, (worker.id,)) == [(1,)])

    # what is neither a phone nor a name is explained; the menu stays open for the next try
    await open_menu(admin)
    await admin.send_text("12")
    await admin.wait_text("не меньше 4 цифр")
    await admin.send_text("Зинаида Несуществующая")
    await admin.wait_text("Никого не нашлось")
    await admin.send_sticker()
    await admin.wait_text("не меньше 4 цифр")
    # an admin is staff too: a photo sent with the menu open is not swallowed by it
    await admin.send_photo(blob("кузов-админа"))
    await admin.wait_text("отправлять повторно не нужно")

    # by phone in a domestic spelling: one card, names escaped, last seen tracked since /start
    await admin.send_text("8 029 111-22-33")
    card = await admin.wait_text("Последний раз в боте")
    assert "<b>&" in card.content and "Уровень: клиент" in card.content
    assert "ещё не заходил" not in card.content and "Заказ-нарядов: 0" in card.content
    sent_before = len(admin.messages)

    # level: two taps on the same message, which then shows the new value
    await _press_on(admin, card, "Уровень")
    await admin.wait_until(lambda: "Выберите новый уровень" in card.content)
    await _press_on(admin, card, "Сотрудник")
    await admin.wait_until(lambda: "Уровень изменён: сотрудник" in card.content)
    assert card.edited and "Уровень: сотрудник" in card.content
    await worker.wait_text("изменил вашу роль: сотрудник")
    await emulator.wait_until(lambda: "order" in _commands(worker) and "support" not in _commands(worker))
    assert db_rows(bot, "SELECT level FROM users WHERE telegram_id = ?", (worker.id,)) == [(2,)]

    # name: typed after one tap (a bad one asked again); the card shows it
    await _press_on(admin, card, "Имя")
    await admin.wait_until(lambda: "Отправьте новое имя" in card.content)
    await admin.send_text("x" * 65)
    await admin.wait_text("от 1 до 64 символов")
    await admin.send_text("Мастер <Пётр> & Ко")
    await admin.wait_until(lambda: "Имя сохранено: Мастер <Пётр> & Ко" in card.content)
    assert "Имя в боте: Мастер <Пётр> & Ко" in card.content
    named = db_rows(bot, "SELECT name FROM users WHERE telegram_id = ?", (worker.id,))
    assert named == [("Мастер <Пётр> & Ко",)]
    bot_texts_since = [m for m in admin.messages[sent_before:] if "Последний раз" in m.content]
    assert bot_texts_since == [], "every action edited the one card, none sent another"

    # the menu stayed open: a part of the admin-given name, other case, Cyrillic ё, finds the card
    admin.mark()
    await admin.send_text("МАСТЕР <ПЁТР>")
    by_name = await admin.wait_text("Последний раз в боте")
    assert "Мастер <Пётр> & Ко" in by_name.content
    # and a part of the Telegram name too
    await admin.send_text("<B>")
    by_tg_name = await admin.wait_text("Последний раз в боте")
    assert "+375291112233" in by_tg_name.content

    # activity: one tap blocks; the card says so and offers unblocking
    await _press_on(admin, by_tg_name, "Заблокировать")
    await admin.wait_until(lambda: "Активность изменена: не активен" in by_tg_name.content)
    assert any("Разблокировать" in text for text in _button_texts(by_tg_name))
    worker.mark()
    await worker.send_text("привет")
    await worker.wait_text("Доступ к боту заблокирован")

    # from the paged list: the list turns into the card, and back
    menu = await open_menu(admin)
    await _press_on(admin, menu, "Все пользователи")
    await admin.wait_until(lambda: "Выберите пользователя" in menu.content)
    assert any("+375291112233" in text for text in _button_texts(menu)), "few users yet: the first page"
    await _press_on(admin, menu, "+375291112233")
    await admin.wait_until(lambda: "Последний раз в боте" in menu.content)
    await _press_on(admin, menu, "К списку")
    await admin.wait_until(lambda: "Выберите пользователя" in menu.content)


async def test_a_new_employee_is_set_up_in_at_most_four_taps_after_the_phone(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    newcomer = emulator.add_user(first_name="Novichok", phone="+375297770011")
    await connect(admin)
    await open_menu(admin)

    taps = 0
    await admin.send_text("8 (029) 777-00-11")  # a phone nobody connected with
    offer = await admin.wait_text("ещё никто не подключался")
    replies_from = len(admin.messages)
    assert [t for t in _button_texts(offer) if t.startswith("➕")] == [
        "➕ Сотрудник",
        "➕ Служба заботы",
        "➕ Администратор",
    ]
    await _press_on(admin, offer, "Сотрудник")
    taps += 1
    await admin.wait_until(lambda: "Отправьте имя" in offer.content)
    await admin.send_text("Иван <Мастер>")
    await admin.wait_until(lambda: "Имя: Иван <Мастер>" in offer.content)
    assert "Уровень: сотрудник" in offer.content and "Зарегистрирован заранее" in offer.content
    assert taps <= 4, f"{taps} taps after typing the phone"
    assert len(admin.messages) == replies_from, "the registration is the one message, edited"
    assert db_rows(bot, "SELECT phone, level, name, created_by FROM staff_invites") == [
        ("+375297770011", 2, "Иван <Мастер>", admin.id)
    ]

    # the phone typed again shows the registration, not the offer
    admin.mark()
    await admin.send_text("+375297770011")
    await admin.wait_text("Зарегистрирован заранее")

    # the person shares their contact: employee at once, named, and the admin is told
    await newcomer.send_text("/start")
    await newcomer.wait_text("Отправить мой номер")
    await newcomer.send_contact()
    welcome = await newcomer.wait_text("Вы подключены")
    assert "Ваша роль: сотрудник" in welcome.content
    await admin.wait_text("Иван <Мастер> (+375297770011) подключился к боту. Уровень: сотрудник")
    assert db_rows(bot, "SELECT level, name FROM users WHERE telegram_id = ?", (newcomer.id,)) == [
        (2, "Иван <Мастер>")
    ]
    assert db_rows(bot, "SELECT COUNT(*) FROM staff_invites") == [(0,)]
    await emulator.wait_until(lambda: "order" in _commands(newcomer))

    # the same phone now finds the person's card
    admin.mark()
    await admin.send_text("+375297770011")
    card = await admin.wait_text("Последний раз в боте")
    assert "Иван <Мастер>" in card.content and "Уровень: сотрудник" in card.content


async def test_forged_and_foreign_admin_buttons_are_refused_in_words(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    client = emulator.add_user(first_name="Клиент", phone="+375297770022")
    await connect(admin)
    await connect(client)
    menu = await open_menu(admin)

    forged = {
        f"ad:sl:{client.id}:9": "Кнопка не подходит",  # no level 9
        f"ad:sa:{client.id}:7": "Кнопка не подходит",
        "ad:pk:424242424:1": "нет в базе",  # nobody with this id
        "ai:v:999999:2": "Регистрации уже нет",
        "ai:n:0:3": "Кнопка не подходит",  # staff registered in advance as a client
        "ap:999999": "не найден",
    }
    for data in forged:
        await admin.press(data, menu.message_id)
    await emulator.wait_until(lambda: len(_alerts(admin)) >= len(forged))
    for alert, expected in zip(_alerts(admin)[-len(forged) :], forged.values(), strict=True):
        assert expected in alert, (alert, expected)
    assert db_rows(bot, "SELECT level, activity FROM users WHERE telegram_id = ?", (client.id,)) == [(3, 1)]

    # a client pressing an admin's button (copied data): no rights, nothing shown
    client.mark()
    await client.press(f"ad:pk:{admin.id}:0", client.messages[-1].message_id)
    await emulator.wait_until(lambda: bool(_alerts(client)))
    assert "недоступна" in _alerts(client)[-1]
    assert "Traceback" not in bot.log_text()


async def test_a_protocol_is_found_by_a_part_of_the_number_and_names_files_in_words(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    client = emulator.add_user(first_name="Ольга", phone="+375297770033")
    await connect(admin)
    await connect(client)
    add_order(bot.branch_photo, "p000900123", client.phone)
    add_order(bot.branch_photo, "p000900456", "+375297770044")
    employee = await staff(bot, emulator, "+375297770055")
    await open_by_search(employee, "p000900123")
    await choose_stage(employee)
    sent = [await employee.send_photo(blob("кузов"), caption="царапина")]
    await wait_report(employee)
    await client.wait_for(lambda m: m.kind == "photo")
    sent.append(await client.send_document(blob("акт"), "акт.pdf", caption="подписанный акт"))
    await employee.wait_for(lambda m: m.kind == "document")
    await emulator.wait_until(
        lambda: db_rows(bot, "SELECT COUNT(*) FROM protocol WHERE order_number = 'p000900123'")[0][0] >= 2
    )
    [(rel_path,)] = db_rows(bot, "SELECT rel_path FROM media WHERE rel_path LIKE 'p000900123/%'")
    photo_name = rel_path.rsplit("/", 1)[-1]

    menu = await open_menu(admin)
    await _press_on(admin, menu, "Протокол по заказ-наряду")
    await admin.wait_text("номер заказ-наряда или его часть")
    await admin.send_text("нет-такого")
    await admin.wait_text("не найден")
    await admin.send_text("0009")
    found = await admin.wait_text("Найдено несколько заказ-нарядов")
    assert [t for t in _button_texts(found) if "p0009" in t] == [
        "📄 p000900123 (открыт)",
        "📄 p000900456 (открыт)",
    ]
    await _press_on(admin, found, "p000900123")
    protocol = await admin.wait_text("Протокол беседы по заказ-наряду p000900123")
    assert f"[фото {photo_name}, этап «Прием автомобилей»] царапина" in protocol.content, protocol.content
    assert "[документ акт.pdf, этап «Файлы клиента»] подписанный акт" in protocol.content, protocol.content
    file_ids = {
        item["file_id"]
        for message in sent
        for item in [*message.get("photo", []), message.get("document", {})]
        if item
    }
    assert file_ids and not any(file_id in protocol.content for file_id in file_ids)
    assert "Inspection" not in protocol.content and "/" not in protocol.content.split("\n", 2)[-1]

    # from the card of the employee: their latest order's protocol is one tap away
    admin.mark()
    await admin.send_text("+375297770055")
    card = await admin.wait_text("Последний раз в боте")
    assert "Заказ-нарядов: 1 (последний: p000900123)" in card.content
    await _press_on(admin, card, "Протокол p000900123")
    await admin.wait_text("Протокол беседы по заказ-наряду p000900123")


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
    await admin.send_text(SECOND_ADMIN_PHONE)
    card = await admin.wait_text("Последний раз в боте")
    await _press_on(admin, card, "Уровень")
    await admin.wait_until(lambda: "Выберите новый уровень" in card.content)
    await _press_on(admin, card, "Клиент")
    await emulator.wait_until(lambda: any("единственный активный администратор" in t for t in _alerts(admin)))
    await _press_on(admin, card, "К карточке")
    await admin.wait_until(lambda: any("Заблокировать" in t for t in _button_texts(card)))
    await _press_on(admin, card, "Заблокировать")
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

    menu = await open_menu(admin)
    await _press_on(admin, menu, "Протокол по заказ-наряду")
    await admin.wait_text("номер заказ-наряда")
    await admin.send_text(ORDER)  # the whole number: the protocol at once
    protocol = await admin.wait_text("Готово, a < b")
    assert "закрыт" in protocol.content and "Пётр" in protocol.content

    menu = await open_menu(admin)
    await _press_on(admin, menu, "Протокол вне открытых")
    general = await admin.wait_text("Вопрос после закрытия")
    assert ORDER in general.content

    # a long protocol comes as a file
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.executemany(
            "INSERT INTO protocol (at, sender_name, recipient, kind, text, archived)"
            " VALUES (0, 'x', 'y', 'text', ?, 1)",
            [(f"строка {i} " + "текст " * 10,) for i in range(100)],
        )
    menu = await open_menu(admin)
    await _press_on(admin, menu, "Протокол вне открытых")
    document = await admin.wait_for(lambda m: m.kind == "document")
    assert document[0].file_name == "all_recording_dialog.txt"
    assert "строка 99" in emulator.file_bytes(document[0].file_id).decode()

    ((total,),) = db_rows(bot, "SELECT COUNT(*) FROM users")
    ((admins,),) = db_rows(bot, "SELECT COUNT(*) FROM users WHERE level = 1 AND activity = 1")
    assert total >= 3 and admins >= 1
    menu = await open_menu(admin)
    await _press_on(admin, menu, "Выгрузить список")
    summary = await admin.wait_text("Пользователи:")
    lines = summary.content.splitlines()
    assert lines[0].endswith(f"Пользователи: {total}"), summary.content
    assert f"администратор: активных {admins}, не активных 0" in lines, summary.content
    listing = await admin.wait_for(lambda m: m.kind == "document")
    assert "+375298943508" in emulator.file_bytes(listing[0].file_id).decode()
