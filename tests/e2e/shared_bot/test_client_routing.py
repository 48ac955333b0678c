"""Where a client's messages go, end to end: replies reach their sender, care does not capture a client
an employee works with, files stay in the client's open order, the link to an order follows the order's
data, care answers only its clients, texts wait for a client who blocked the bot, upload quotas.

One bot for the module (see conftest): each test brings its own staff, clients, phones and orders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import blob, choose_by_calendar, choose_stage, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

KIB = 1024
# tiny quotas so a few small photos reach them: 6 KiB per order, 10 KiB a day
SHARED_BOT = {
    "send_rate_per_chat": 2.0,
    "extra_env": {"CLIENT_UPLOAD_ORDER_MB": str(6 / 1024), "CLIENT_UPLOAD_DAY_MB": str(10 / 1024)},
}


def execute(bot: BotProcess, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(sql, params)


def choose_order(bot: BotProcess, staff_id: int, order: int | None) -> None:
    """What /order does to the work context (the /order screens are tested elsewhere)."""
    execute(
        bot,
        "INSERT INTO work_context (telegram_id, order_id, updated_at) VALUES (?, ?, 0)"
        " ON CONFLICT (telegram_id) DO UPDATE SET order_id = excluded.order_id",
        (staff_id, order),
    )


async def order_for(bot: BotProcess, staff: SimUser, number: str, phone: str) -> int:
    add_order(bot.branch_photo, number, phone)
    await rescan(staff)
    return await indexed_order_id(bot, number)


def client_files(bot: BotProcess, number: str) -> list[Path]:
    folder = bot.branch_photo / number / "Client"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def received(user: SimUser, text: str) -> bool:
    return any(text in message.content for message in user.messages)


async def care_answers(care: SimUser, client: SimUser, text: str) -> BotMessage:
    care.mark()
    await care.press_button("Ответить")
    await care.wait_text("Напишите ответ клиенту")
    await care.send_text(text)
    await care.wait_text("Ответ отправлен")
    return await client.wait_text(text)


async def test_replies_reach_their_sender_and_care_does_not_capture_the_client(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number, phone = "r100000001", "+375297100001"
    employee = emulator.add_user(first_name="Пётр", phone="+375291100001")
    care = emulator.add_user(first_name="Забота", phone="+375291100002")
    client = emulator.add_user(first_name="Ольга", phone=phone)
    await connect_as(bot, employee, 2, name="Пётр")
    await connect_as(bot, care, 4, name="Анна")
    await connect(client)
    oid = await order_for(bot, employee, number, phone)
    choose_order(bot, employee.id, oid)

    await employee.send_text("Машина готова")
    from_employee = await client.wait_text("Машина готова")
    await client.send_text("💬 Написать в службу заботы")
    await client.wait_text("Напишите ваше сообщение")
    await client.send_text("Вопрос по оплате")
    await care.wait_text("Вопрос по оплате")
    from_care = await care_answers(care, client, "Оплатить можно картой")

    # one answer from care does not capture the client: a plain message goes to the employee
    await client.send_text("Когда забирать?")
    to_employee = await employee.wait_text("Когда забирать?")
    assert number in to_employee.content
    # a reply goes to whoever sent the message replied to
    await client.send_text("Понял, картой", reply_to=from_care.message_id)
    await care.wait_text("Понял, картой")
    await client.send_text("Спасибо мастеру", reply_to=from_employee.message_id)
    await employee.wait_text("Спасибо мастеру")
    assert not received(care, "Когда забирать?") and not received(care, "Спасибо мастеру")
    assert not received(employee, "Понял, картой")

    # a photo for care is kept in the client's open order all the same
    await client.send_text("💬 Написать в службу заботы")
    await client.wait_text("Напишите ваше сообщение")
    await client.send_photo(blob("чек", 512), caption="чек об оплате")
    await care.wait_for(lambda m: m.kind == "photo" and "чек об оплате" in m.content)
    await emulator.wait_until(lambda: len(client_files(bot, number)) == 1)


async def test_client_without_order_is_told_and_reaches_care_in_one_tap(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    care = emulator.add_user(first_name="Забота", phone="+375291100011")
    client = emulator.add_user(first_name="Без заказа", phone="+375297100011")
    await connect_as(bot, care, 4)
    await connect(client)
    await client.send_text("Здравствуйте, когда ТО?")
    offer = await client.wait_text("нет открытого заказ-наряда")
    assert offer.buttons()
    await client.press_button("Отправить в службу заботы")
    await client.wait_text("передано в службу заботы")
    await care.wait_text("когда ТО?")


async def test_the_link_to_an_order_follows_its_data(emulator: TelegramEmulator, bot: BotProcess) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    employee = emulator.add_user(first_name="Пётр", phone="+375291100021")
    client = emulator.add_user(first_name="Ольга", phone="+375297100021")
    await connect(admin)
    await connect_as(bot, employee, 2, name="Пётр")
    await connect(client)
    number = "r100000021"
    oid = await order_for(bot, employee, number, client.phone)
    choose_order(bot, employee.id, oid)
    await employee.send_text("Добрый день")
    await client.wait_text("Добрый день")

    # the order's content.txt now names another phone: the client is no longer in that order
    add_order(bot.branch_photo, number, "+375297100029")
    await rescan(employee)
    await emulator.wait_until(
        lambda: db_rows(bot, "SELECT phone FROM orders WHERE id = ?", (oid,)) == [("+375297100029",)]
    )
    await client.send_text("Это всё ещё мой заказ?")
    await admin.wait_text("Это всё ещё мой заказ?")
    await client.send_photo(blob("чужой", 512), caption="фото не в чужой заказ")
    await admin.wait_for(lambda m: m.kind == "photo")
    assert not received(employee, "Это всё ещё мой заказ?")
    assert client_files(bot, number) == []


async def test_of_two_accounts_with_one_phone_the_latest_gets_the_order(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = emulator.add_user(first_name="Пётр", phone="+375291100023")
    await connect_as(bot, employee, 2, name="Пётр")
    phone = "+375297100022"
    first = emulator.add_user(first_name="Старый", phone=phone)
    second = emulator.add_user(first_name="Новый", phone=phone)
    await connect(first)
    oid2 = await order_for(bot, employee, "r100000022", phone)
    await connect(second)
    await first.wait_text("в другом аккаунте Telegram")
    choose_order(bot, employee.id, oid2)
    first.mark()
    await employee.send_text("Кому это?")
    await second.wait_text("Кому это?")
    await employee.send_text("Второе")
    await second.wait_text("Второе")
    assert not any("Кому это?" in m.content or "Второе" in m.content for m in first.messages)


async def test_care_opens_replies_only_to_people_who_wrote_to_care(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    care = emulator.add_user(first_name="Забота", phone="+375291100031")
    employee = emulator.add_user(first_name="Пётр", phone="+375291100032")
    silent = emulator.add_user(first_name="Молчун", phone="+375297100031")
    await connect_as(bot, care, 4)
    await connect_as(bot, employee, 2)
    await connect(silent)
    care.mark()
    for target in (employee.id, silent.id, 999999999):
        await care.press(f"cr:r:{target}", message_id=care.messages[-1].message_id)
    await emulator.wait_until(lambda: len(care.callback_answers) >= 3)
    refusals = [answer.get("text") or "" for answer in care.callback_answers]
    assert all("только клиентам, которые написали" in text for text in refusals), refusals
    assert not any(employee.phone in m.content or silent.phone in m.content for m in care.messages)


async def test_texts_wait_for_a_client_who_blocked_the_bot(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = emulator.add_user(first_name="Пётр", phone="+375291100041")
    client = emulator.add_user(first_name="Ольга", phone="+375297100041")
    await connect_as(bot, employee, 2, name="Пётр")
    await connect(client)
    oid = await order_for(bot, employee, "r100000041", client.phone)
    choose_order(bot, employee.id, oid)
    await employee.send_text("Первое сообщение")
    await client.wait_text("Первое сообщение")

    client.block_bot()
    await emulator.wait_until(
        lambda: db_rows(bot, "SELECT reachable FROM users WHERE telegram_id = ?", (client.id,)) == [(0,)]
    )
    await employee.send_text("Пока вы нас заблокировали")
    await employee.wait_text("не доставлено")
    client.unblock_bot()  # the unblock alone brings it; the /start that usually follows adds nothing
    await client.wait_text("Пока вы нас заблокировали", timeout=15)
    await client.send_text("/start")
    await client.wait_text("уже подключены")
    await employee.send_text("После возвращения")
    await client.wait_text("После возвращения")
    assert sum("Пока вы нас заблокировали" in m.content for m in client.messages) == 1


async def test_client_uploads_are_bounded_per_order_and_per_day(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = emulator.add_user(first_name="Пётр", phone="+375291100051")
    client = emulator.add_user(first_name="Ольга", phone="+375297100051")
    await connect_as(bot, employee, 2, name="Пётр")
    await connect(client)
    first = await order_for(bot, employee, "r100000051", client.phone)
    second = await order_for(bot, employee, "r100000052", client.phone)
    third = await order_for(bot, employee, "r100000053", client.phone)

    async def talk_about(order: int, number: str) -> None:
        choose_order(bot, employee.id, order)
        await employee.send_text(f"Пришлите фото по {number}")
        await client.wait_text(f"по {number}")

    async def photo(tag: str) -> None:
        await client.send_photo(blob(tag, 4 * KIB), caption=tag)
        await employee.wait_for(lambda m: m.kind == "photo" and tag in m.content)

    await talk_about(first, "r100000051")
    await photo("первое")
    await emulator.wait_until(lambda: len(client_files(bot, "r100000051")) == 1)
    await photo("второе")  # 8 KiB in one order: over 6
    await client.wait_text("превышен объём загрузки по одному заказ-наряду")
    await talk_about(second, "r100000052")
    await photo("третье")  # 8 KiB today
    await emulator.wait_until(lambda: len(client_files(bot, "r100000052")) == 1)
    await talk_about(third, "r100000053")
    await photo("четвёртое")  # 12 KiB today: over 10
    await client.wait_text("превышен объём загрузки за сутки")
    assert [len(client_files(bot, f"r10000005{n}")) for n in (1, 2, 3)] == [1, 1, 0]

    # staff are not limited: an employee files far more than the client's quotas into the same order
    await choose_by_calendar(employee, "r100000053")
    await choose_stage(employee)
    for n in range(2):
        await employee.send_photo(blob(f"staff-{n}", 16 * KIB))
        report = await wait_report(employee)
        assert "Сохранено" in report.content, report.content


async def test_an_album_over_the_quota_gets_one_notice_not_one_per_photo(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = emulator.add_user(first_name="Пётр", phone="+375291100061")
    client = emulator.add_user(first_name="Ольга", phone="+375297100061")
    await connect_as(bot, employee, 2, name="Пётр")
    await connect(client)
    order = await order_for(bot, employee, "r100000061", client.phone)
    choose_order(bot, employee.id, order)
    await employee.send_text("Пришлите фото по r100000061")
    await client.wait_text("по r100000061")

    # 4 KiB each against 6 KiB per order: the first is kept, the other three only reach the employee
    await client.send_album([("photo", blob(f"альбом-{n}", 4 * KIB)) for n in range(4)], caption="альбом")
    await client.wait_text("превышен объём загрузки по одному заказ-наряду")
    await client.send_text("Это всё")  # handled after the album: every notice it caused is out by then
    await employee.wait_text("Это всё")
    notices = [m.content for m in client.messages if "превышен объём загрузки" in m.content]
    assert len(notices) == 1 and "3 из 4" in notices[0], notices
    await emulator.wait_until(lambda: len(client_files(bot, "r100000061")) == 1)
