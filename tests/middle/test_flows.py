"""The main flows through the real dispatcher and services, Telegram mocked in-process."""

from __future__ import annotations

import pytest

from database.users import Level
from services.attention import ALERT_WINDOW_SECONDS
from tests.middle.conftest import ADMIN_PHONE, App, Clock, Person

pytestmark = pytest.mark.middle

ORDER = "a000177322"  # fixture: open, client +375298943508
CLIENT_PHONE = "+375298943508"
STAGE = "Прием автомобилей"  # its folder: Inspection


async def test_a_client_connects_by_sharing_their_contact(app: App) -> None:
    client = app.person(5001, "Владелец", CLIENT_PHONE)
    await client.send_text("/start")
    assert any("Отправить мой номер" in str(m.reply_markup) for m in app.session.calls("sendMessage", 5001))
    await client.send_contact()
    await client.wait_text("Вы подключены")
    user = await app.services.users.get(5001)
    assert user is not None and user.phone == CLIENT_PHONE and user.level is Level.CLIENT


async def test_an_admin_phone_connects_as_admin(app: App) -> None:
    admin = app.person(5002, "Админ", ADMIN_PHONE)
    await admin.send_text("/start")
    await admin.send_contact()
    user = await app.services.users.get(5002)
    assert user is not None and user.level is Level.ADMIN


async def _connect(app: App, telegram_id: int, name: str, phone: str, level: Level | None = None) -> Person:
    person = app.person(telegram_id, name, phone)
    await person.send_text("/start")
    await person.send_contact()
    if level is not None:
        await app.services.users.set_level(telegram_id, level)
    return person


async def _open_order(employee: Person, number: str = ORDER) -> None:
    """/order, search by the number (the only match: opened at once, no list), pick the stage."""
    await employee.send_text("/order")
    await employee.press("Поиск")
    await employee.wait_text("часть номера")
    await employee.send_text(number)
    await employee.wait_text("Выберите тип действия")
    await employee.press(STAGE)
    await employee.wait_text(f"Тип действия: <b>{STAGE}</b>")  # the pin, edited: no message of its own


async def test_an_employee_picks_an_order_by_number_and_a_photo_is_filed_and_delivered(app: App) -> None:
    client = await _connect(app, 5101, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5102, "Мастер", "+375447000019", Level.EMPLOYEE)
    await _open_order(employee)

    await employee.send_photo("photo-1", b"\xff\xd8 a car from the front \xff\xd9")
    await employee.wait_text("Сохранено")
    filed = [p for p in (app.orders_dir / ORDER / "Inspection").iterdir() if p.is_file()]
    assert any(p.read_bytes() == b"\xff\xd8 a car from the front \xff\xd9" for p in filed)
    await app.session.wait_for(lambda: bool(app.session.calls("sendPhoto", client.id)))


async def test_a_client_message_is_relayed_to_the_employee_of_their_order(app: App) -> None:
    client = await _connect(app, 5201, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5202, "Мастер", "+375447000029", Level.EMPLOYEE)
    await _open_order(employee)
    await employee.send_text("Машина готова, a < b")
    await client.wait_text("Машина готова, a &lt; b")

    await client.send_text("Спасибо, заберу <завтра>")
    await employee.wait_text("заберу &lt;завтра&gt;")


async def test_a_client_photo_is_filed_in_the_order_and_sent_on_to_the_employee(app: App) -> None:
    client = await _connect(app, 5211, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5212, "Мастер", "+375447000059", Level.EMPLOYEE)
    await _open_order(employee)
    await employee.send_text("Пришлите, пожалуйста, фото документов")
    await client.wait_text("Пришлите, пожалуйста")

    await client.send_photo("client-1", b"\xff\xd8 client photo \xff\xd9", caption="вот <техпаспорт>")
    await app.session.wait_for(
        lambda: any("техпаспорт" in text and ORDER in text for text in employee.texts())
    )
    [saved] = (app.orders_dir / ORDER / "Client").iterdir()
    assert saved.read_bytes() == b"\xff\xd8 client photo \xff\xd9"


async def test_a_client_who_blocked_the_bot_is_marked_and_the_employee_told(app: App) -> None:
    client = await _connect(app, 5251, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5252, "Мастер", "+375447000039", Level.EMPLOYEE)
    await _open_order(employee)
    app.session.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=client.id)
    await employee.send_text("Машина готова")
    await employee.wait_text("не доставлено")
    assert any("заблокировал бота" in text for text in employee.texts())
    user = await app.services.users.get(client.id)
    assert user is not None and not user.reachable


async def test_a_client_nobody_wrote_to_reaches_customer_care(app: App) -> None:
    care = await _connect(app, 5301, "Забота", "+375291110004", Level.CARE)
    client = await _connect(app, 5302, "Клиент", "+375447778899")
    await client.send_text("Здравствуйте")
    await client.wait_text("службу заботы")
    await client.press("Отправить в службу заботы")
    await client.wait_text("передано в службу заботы")
    await care.wait_text("Здравствуйте")
    assert any("+375447778899" in text for text in care.texts())


async def test_an_admin_changes_a_users_level(app: App) -> None:
    admin = await _connect(app, 5401, "Админ", ADMIN_PHONE)
    worker = await _connect(app, 5402, "<b>&", "+375291112233")
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")
    await admin.send_text("8 029 111-22-33")
    await admin.wait_text("👤 <b>&lt;b&gt;&amp;</b>")  # the card, the name escaped
    await admin.press("Уровень")
    await admin.wait_text("Выберите новый уровень")
    await admin.press("Сотрудник")
    await admin.wait_text("Уровень изменён: сотрудник")
    await worker.wait_text("изменил вашу роль: сотрудник")
    user = await app.services.users.get(worker.id)
    assert user is not None and user.level is Level.EMPLOYEE
    menus = [m for m in app.session.calls("setMyCommands") if m.scope.chat_id == worker.id]  # type: ignore[attr-defined]
    assert "order" in [c.command for c in menus[-1].commands]  # type: ignore[attr-defined]


async def test_an_attention_word_alerts_the_admins_once_per_window(app: App, clock: Clock) -> None:
    admin = await _connect(app, 5501, "Админ", ADMIN_PHONE)
    client = await _connect(app, 5502, "Ольга", "+375297000202")

    def alerts() -> list[str]:
        return [text for text in admin.texts() if "Внимание" in text]

    await client.send_text("Очень ДОРОГО и грязно")
    await app.session.wait_for(lambda: len(alerts()) == 1)
    await client.send_text("всё равно дорого")  # within the alert window: no alert of its own
    clock.advance(ALERT_WINDOW_SECONDS + 1)
    await client.send_text("плохо, очень плохо")  # the window is over: alerted again
    await app.session.wait_for(lambda: len(alerts()) >= 2)
    first, second = alerts()  # one admin chat is sent in order: the skipped one would come second
    assert "Очень ДОРОГО" in first and "плохо, очень плохо" in second


async def test_an_employee_finds_an_order_by_a_photo_of_its_barcode(app: App) -> None:
    employee = await _connect(app, 5601, "Мастер", "+375447000049", Level.EMPLOYEE)
    await employee.send_text("/order")
    await employee.press("штрих-код")
    await employee.wait_text("Сфотографируйте штрих-код")
    app.recognizer.barcodes_read = ["4810000000017"]  # fixture a000190004's barcode
    await employee.send_photo("sheet-1", b"\xff\xd8 the order sheet \xff\xd9")
    await employee.wait_text("Выберите тип действия")
    assert app.recognizer.photos == [b"\xff\xd8 the order sheet \xff\xd9"]  # downloaded via getFile
    assert any("a000190004" in text for text in employee.texts())

    await employee.send_text("/order")
    await employee.press("штрих-код")
    app.recognizer.barcodes_read = ["4600000000003"]
    await employee.send_photo("sheet-2", b"\xff\xd8 another sheet \xff\xd9")
    await employee.wait_text("открытого заказ-наряда с ним нет")
