"""Issue 15.1 and 15.2: the invitation per order (link + QR; the right phone is linked, a foreign phone
is not and care is told with both phones; forged and expired tokens answered) and order statuses (one
tap, the owner's templated message once, the status in the pin and the lists, the history in the
protocol, templates edited in status_messages.txt without a restart).

One bot for the module (see conftest); each test brings its own order folder, phones and users."""

from __future__ import annotations

import io
import os
import re
import sqlite3
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.flows import open_by_search, search, staff
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


async def _invite(emulator: TelegramEmulator, employee: SimUser, number: str) -> tuple[str, str]:
    """The order card's "Пригласить клиента": the link (from the SMS text) and the QR's decoded text."""
    await employee.press_button("Пригласить клиента")
    sms = await employee.wait_text("Текст для SMS")
    found = LINK.search(sms.content)
    assert found is not None and number in sms.content
    qr = await employee.wait_for(lambda m: m.kind == "photo")
    assert "Распечатайте" in qr[0].content and number in qr[0].content
    image = Image.open(io.BytesIO(emulator.file_bytes(qr[0].file_id or "")))
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    return found.group(0), decoded[0] if decoded else ""


def _token(link: str) -> str:
    found = LINK.search(link)
    assert found is not None
    return found.group(2)


async def test_invitation_opened_by_the_orders_phone_links_the_client_and_tells_the_employee(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone = "INV-1001", "+375295550101"
    add_order(orders_dir, number, phone=phone, plate_number="1111 AB-7")
    employee = await staff(bot, emulator, "+375295550001")
    await open_by_search(employee, number)

    link, qr_text = await _invite(emulator, employee, number)
    assert link.startswith("https://t.me/emu_test_bot?start=")  # getMe's username
    assert qr_text == link
    token = _token(link)
    assert number not in token and len(token) >= 20
    again, _ = await _invite(emulator, employee, number)
    assert again == link  # the same link while it is valid

    client = emulator.add_user(first_name="Ольга", phone=phone)
    await client.send_text(f"/start {token}")
    await client.wait_text("Отправить мой номер")
    await client.send_contact()
    await client.wait_text("Вы подключены к боту")
    await client.wait_text(f"Вы подключены к заказ-наряду {number}")
    notice = await employee.wait_text("Клиент подключился")
    assert "Ольга" in notice.content and number in notice.content

    order_id = await indexed_order_id(bot, number)
    lines = db_rows(bot, "SELECT text FROM protocol WHERE order_id = ? AND kind = 'invite'", (order_id,))
    assert lines == [("подключился по приглашению",)]


async def test_invitation_opened_by_a_foreign_phone_is_not_linked_and_care_gets_both_phones(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone, foreign = "INV-1002", "+375295550102", "+375295550199"
    add_order(orders_dir, number, phone=phone, plate_number="2222 AB-7")
    care = emulator.add_user(first_name="Забота", phone="+375295550003")
    await connect_as(bot, care, 4, name="Анна Забота")
    employee = await staff(bot, emulator, "+375295550002")
    await open_by_search(employee, number)
    link, _ = await _invite(emulator, employee, number)

    stranger = emulator.add_user(first_name="Чужой", phone=foreign)
    await stranger.send_text(f"/start {_token(link)}")
    await stranger.wait_text("Отправить мой номер")
    await stranger.send_contact()
    await stranger.wait_text("Вы подключены к боту")  # an ordinary client all the same
    answer = await stranger.wait_text("не совпадает")
    assert number in answer.content
    alert = await care.wait_text("другим номером")
    assert number in alert.content and foreign in alert.content and phone in alert.content
    rows = db_rows(bot, "SELECT level, phone FROM users WHERE telegram_id = ?", (stranger.id,))
    assert rows == [(3, foreign)]

    # the owner, connected earlier without the link, opens it: checked by the phone the bot knows
    owner = emulator.add_user(first_name="Владелец", phone=phone)
    await connect(owner)
    await owner.send_text(f"/start {_token(link)}")
    await owner.wait_text(f"Вы подключены к заказ-наряду {number}")
    notices = await employee.wait_for(lambda m: "Клиент подключился" in m.content)
    assert "Владелец" in notices[0].content  # the stranger never was "the client"
    assert not any("Чужой" in m.content for m in employee.messages if "Клиент подключился" in m.content)


@pytest.mark.parametrize(
    "payload",
    ["A" * 70, "привет", "x" * 24, "../../etc/passwd", "ab$cd", "Zm9vYmFyYmF6cXV4cXV1eHg"],
)
async def test_forged_or_unknown_invitation_is_answered_and_registration_goes_on(
    emulator: TelegramEmulator, bot: BotProcess, payload: str
) -> None:
    person = emulator.add_user(first_name="Гость", phone=f"+37529556{len(emulator.users):04d}")
    await person.send_text(f"/start {payload}")
    await person.wait_text("Ссылка-приглашение не распознана")
    await person.wait_text("Отправить мой номер")
    await person.send_contact()
    await person.wait_text("Вы подключены к боту")


async def test_expired_invitation_is_answered(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number = "INV-1003"
    add_order(orders_dir, number, phone="+375295550103")
    employee = await staff(bot, emulator, "+375295550004")
    await open_by_search(employee, number)
    link, _ = await _invite(emulator, employee, number)
    order_id = await indexed_order_id(bot, number)
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute("UPDATE order_invites SET expires_at = 1 WHERE order_id = ?", (order_id,))

    owner = emulator.add_user(first_name="Поздний", phone="+375295550103")
    await owner.send_text(f"/start {_token(link)}")
    await owner.wait_text("Срок этой ссылки-приглашения истёк")
    await owner.wait_text("Отправить мой номер")
    fresh, _ = await _invite(emulator, employee, number)
    assert fresh != link  # an expired link is replaced by a new one


# --- statuses ---------------------------------------------------------------------------------


async def _set_status(employee: SimUser, label: str) -> BotMessage:
    """The card's "Статус", then the status: the list message is edited to say what was done."""
    await employee.press_button("Статус")
    menu = await employee.wait_text("Выберите новый")
    await employee.press(
        next(data for text, data in menu.buttons() if text.endswith(label) and data), menu.message_id
    )
    await employee.wait_until(lambda: f"«{label}»" in menu.content)
    return menu


async def test_status_tells_the_owner_once_shows_in_pin_and_list_and_goes_into_the_protocol(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone = "ST-2001", "+375295550201"
    add_order(orders_dir, number, phone=phone, plate_number="3333 AB-7")
    owner = emulator.add_user(first_name="Сергей", phone=phone)
    await connect(owner)
    employee = await staff(bot, emulator, "+375295550005")
    await open_by_search(employee, number)

    saved = await _set_status(employee, "Готов к выдаче")
    assert "клиент получил уведомление" in saved.content
    told = await owner.wait_text("готов к выдаче")
    assert number in told.content and "3333 AB-7" in told.content and "Автосервис Тест" in told.content
    # "ready for pickup" also brings the owner the order's PDF report (the status listener)
    await owner.wait_for(lambda m: m.kind == "document" and m.file_name == f"Отчет_{number}.pdf", timeout=60)
    await employee.wait_until(
        lambda: employee.pinned is not None and "Статус: Готов к выдаче" in employee.pinned.content
    )

    await employee.press_button("Готов к выдаче")  # the same status again
    await employee.wait_until(lambda: any("статус уже" in m.content for m in employee.messages))
    await _set_status(employee, "Выдан")
    await owner.wait_text("выдан")
    assert sum("готов к выдаче" in m.content for m in owner.messages) == 1
    assert sum(m.kind == "document" for m in owner.messages) == 1  # the second tap sent no second report

    add_order(orders_dir, "ST-2091", phone="+375295550291")  # a second match: the search lists
    found = await search(employee, "ST-20")
    assert any(text.startswith(f"✅ {number} · Выдан ·") for text, _ in found.buttons())

    order_id = await indexed_order_id(bot, number)
    rows = db_rows(
        bot,
        "SELECT sender_name, text FROM protocol WHERE order_id = ? AND kind = 'status' ORDER BY id",
        (order_id,),
    )
    assert rows == [("Пётр Мастер", "статус: Готов к выдаче"), ("Пётр Мастер", "статус: Выдан")]
    history = db_rows(
        bot, "SELECT status, set_by FROM order_statuses WHERE order_id = ? ORDER BY id", (order_id,)
    )
    assert history == [("ready", employee.id), ("handed_over", employee.id)]
    archive = orders_dir / number / f"recording_dialog_{number}.txt"
    await employee.wait_until(lambda: archive.is_file() and "статус: Выдан" in archive.read_text("utf-8"))


async def test_forged_status_buttons_and_orders_without_a_client(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number = "ST-2002"
    add_order(orders_dir, number, phone="+375295550202")
    employee = await staff(bot, emulator, "+375295550006")
    await open_by_search(employee, number)
    order_id = await indexed_order_id(bot, number)

    saved = await _set_status(employee, "Принят")
    assert "Уведомить некого" in saved.content

    await employee.press(f"st:s:{order_id}:99")  # a status the list does not have
    await employee.wait_until(
        lambda: any("Такого статуса больше нет" in (a.get("text") or "") for a in employee.callback_answers)
    )
    client = emulator.add_user(first_name="Хитрый", phone="+375295550299")
    await connect(client)
    await client.press(f"st:s:{order_id}:4", client.messages[-1].message_id)  # not staff: refused
    await client.wait_until(lambda: bool(client.callback_answers))
    assert "недоступна" in (client.callback_answers[-1].get("text") or "")
    rows = db_rows(bot, "SELECT status FROM order_statuses WHERE order_id = ?", (order_id,))
    assert rows == [("accepted",)]


async def test_edited_template_file_is_used_without_a_restart(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number, phone = "ST-2003", "+375295550203"
    add_order(orders_dir, number, phone=phone, plate_number="4444 AB-7")
    owner = emulator.add_user(first_name="Ирина", phone=phone)
    await connect(owner)
    employee = await staff(bot, emulator, "+375295550007")
    await open_by_search(employee, number)

    await _set_status(employee, "Принят")  # the file is created with the defaults if missing
    await owner.wait_text("принят")
    assert "[in_work]" in bot.status_messages_path.read_text("utf-8")

    path = bot.status_messages_path
    path.write_text(
        "# правка дилера\n[in_work]\nМашина {plate} <в работе> по {order}, {organization}\n"
        "[diagnosis]\nСломано {oops}\n",
        encoding="utf-8",
    )
    await _set_status(employee, "В работе")
    told = await owner.wait_text("<в работе>")  # the dealer's text, escaped, values filled in
    assert told.content == f"Машина 4444 AB-7 <в работе> по {number}, Автосервис Тест"
    await _set_status(employee, "Диагностика")
    await owner.wait_text("на диагностике")  # a broken template: the default

    path.write_text("[in_work]\nВторая версия: {order} снова в работе\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    await _set_status(employee, "В работе")
    await owner.wait_text(f"Вторая версия: {number} снова в работе")
