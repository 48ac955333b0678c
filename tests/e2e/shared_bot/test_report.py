"""The order's PDF report end to end (issue 15.5): the client's "📄 Отчёт" (one order, several,
none), the staff's button on the order card, and a forged owner button for someone else's order.

One bot for the module (see conftest): each test brings its own staff, clients, phones and orders."""

from __future__ import annotations

import io
import re
import sqlite3
import time

import pytest
from PIL import Image
from pypdf import PdfReader

from keyboards.callbacks import OwnerAction, OwnerOrderCb
from tests.e2e.flows import choose_stage, open_by_search, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows, indexed_order_id, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

REPORT = "📄 Отчёт"


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def execute(bot: BotProcess, sql: str, params: tuple = ()) -> None:
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(sql, params)


async def pdf_of(emulator: TelegramEmulator, user: SimUser, number: str) -> tuple[BotMessage, PdfReader, str]:
    """The report document `user` receives for order `number`, opened."""
    found = await user.wait_for(lambda m: m.kind == "document" and number in m.content, timeout=60)
    document = found[0]
    assert document.file_name == f"Отчет_{number}.pdf"
    reader = PdfReader(io.BytesIO(emulator.file_bytes(document.file_id or "")))
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))
    return document, reader, text


async def order_for(bot: BotProcess, employee: SimUser, number: str, phone: str) -> int:
    add_order(bot.branch_photo, number, phone, plate_number="5678KX7")
    await rescan(employee)
    return await indexed_order_id(bot, number)


async def test_the_client_taps_report_and_receives_the_pdf(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number, phone = "rp0000001", "+375297500001"
    employee = await staff(bot, emulator, "+375291500001")
    client = emulator.add_user(first_name="Ольга", phone=phone)
    await connect(client)
    order_id = await order_for(bot, employee, number, phone)
    await open_by_search(employee, number)
    await choose_stage(employee)
    await employee.send_photo(jpeg((200, 40, 40)), caption="Колодки")
    await wait_report(employee)
    (media_id,) = db_rows(bot, "SELECT id FROM media WHERE order_id = ?", (order_id,))[0]
    now = time.time()
    execute(
        bot, "INSERT INTO media_marks VALUES (?, 'now', 'Колодки 2 мм', ?, ?)", (media_id, employee.id, now)
    )
    execute(bot, "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, 'ready', ?, ?)",
            (order_id, employee.id, now))  # fmt: skip
    execute(
        bot,
        "INSERT INTO recommendations (order_id, title, reason, price, created_by, created_at, decision,"
        " decided_by, decided_at, decided_price) VALUES (?, 'Замена колодок', 'Износ', 250000, ?, ?,"
        " 'approved', ?, ?, 250000)",
        (order_id, employee.id, now, client.id, now),
    )

    menu = next(m for m in reversed(client.messages) if m.reply_buttons())
    assert (REPORT, False) in menu.reply_buttons(), "the client's menu has the report button"
    client.mark()
    await client.reply_keyboard_press(REPORT)
    _, reader, text = await pdf_of(emulator, client, number)
    assert sum(len(page.images) for page in reader.pages) == 1
    assert "Прием автомобилей" in text and "Срочно" in text and "Колодки 2 мм" in text
    assert "Готов к выдаче" in text and "Согласовано: 2 500,00 руб." in text
    assert phone not in text and "+37529*****01" in text
    assert (bot.branch_photo / number / f"Отчет_{number}.pdf").is_file(), "saved into the order folder"

    # staff get it from the order card
    employee.mark()
    await open_by_search(employee, number)
    await employee.press_button(REPORT)
    await pdf_of(emulator, employee, number)


async def test_several_orders_are_picked_none_is_said(emulator: TelegramEmulator, bot: BotProcess) -> None:
    phone = "+375297500002"
    employee = await staff(bot, emulator, "+375291500002")
    client = emulator.add_user(first_name="Иван", phone=phone)
    await connect(client)
    await client.reply_keyboard_press(REPORT)
    await client.wait_text("нет открытых заказ-нарядов")
    await order_for(bot, employee, "rp0000002", phone)
    await order_for(bot, employee, "rp0000003", phone)
    await client.reply_keyboard_press(REPORT)
    pick = await client.wait_text("По какому заказ-наряду")
    assert sorted(text for text, _ in pick.buttons()) == ["📄 rp0000002 · 5678KX7", "📄 rp0000003 · 5678KX7"]
    await client.press_button("rp0000003")
    _, _, text = await pdf_of(emulator, client, "rp0000003")
    assert "Фото и видео по заказ-наряду пока нет" in text


async def test_a_forged_button_for_another_owners_order_is_refused(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = await staff(bot, emulator, "+375291500004")
    owner = emulator.add_user(first_name="Анна", phone="+375297500004")
    stranger = emulator.add_user(first_name="Чужой", phone="+375297500005")
    await connect(owner)
    await connect(stranger)
    theirs = await order_for(bot, employee, "rp0000004", "+375297500004")
    await order_for(bot, employee, "rp0000005", "+375297500005")
    await stranger.reply_keyboard_press(REPORT)  # their own order: a report, and a message to press on
    own, _, _ = await pdf_of(emulator, stranger, "rp0000005")
    stranger.mark()
    forged = OwnerOrderCb(action=OwnerAction.REPORT, order_id=theirs).pack()
    await stranger.press(forged, own.message_id)
    await stranger.wait_until(
        lambda: any("недоступен" in (a.get("text") or "") for a in stranger.callback_answers)
    )
    assert all(
        a.get("show_alert") for a in stranger.callback_answers if "недоступен" in (a.get("text") or "")
    )
    assert not any("rp0000004" in m.content for m in stranger.messages)
    # the staff button is refused to a client too (the staff router's role filter)
    await stranger.press(f"sr:{theirs}", own.message_id)
    await stranger.wait_until(lambda: len(stranger.callback_answers) >= 2)
    assert not any(m.kind == "document" and "rp0000004" in m.content for m in stranger.messages)
