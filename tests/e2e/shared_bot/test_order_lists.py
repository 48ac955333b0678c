"""Order lists that identify the car (issue 16): plate, client, connected ✅/❌; a calendar day that
pages; choosing an order sends one card and edits the pin in place; staff and clients read stage labels,
never the stage folders' names.

One bot for the module (see conftest)."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.flows import (
    CLIENT_PHONE,
    ORDER,
    STAGE,
    blob,
    calendar_day_button,
    staff,
    stage_chosen,
    wait_report,
)
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

STAGE_FOLDERS = ("Inspection", "BodyDamage", "Recommendation", "Other", "Service", "Client")
UNCONNECTED = "L-0042"  # an order whose client never connected to the bot
SECOND = "L-0043"  # another one: a search for "L-00" lists both


async def _choose(employee: SimUser, number: str) -> int:
    """Search `number` (the only match: opened at once), tap the stage: how many bot messages that took
    from the typed number on."""
    calendar = await rescan(employee)
    await employee.press(
        next(data for text, data in calendar.buttons() if "Поиск" in text), calendar.message_id
    )
    await employee.wait_text("часть номера")
    before = len(employee.messages)
    await employee.send_text(number)
    await employee.wait_text("Выберите тип действия")
    await employee.wait_until(lambda: employee.pinned is not None and number in employee.pinned.content)
    await stage_chosen(employee, await employee.press_button(STAGE))  # the pin says it: no message
    return len(employee.messages) - before


async def test_choosing_an_order_sends_one_card_and_edits_the_pin_in_place(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    add_order(orders_dir, UNCONNECTED, phone="+375290001234", plate_number="5555 AB-7")
    employee = await staff(bot, emulator, "+375291110051")
    client = emulator.add_user(first_name="Мария", phone=CLIENT_PHONE)
    await connect(client)

    assert await _choose(employee, ORDER) == 1  # the card, which is also the new pin
    card = employee.pinned
    assert card is not None and ORDER in card.content and "0434 MH-1" in card.content
    assert "✅ Клиент Мария подключен" in card.content
    assert any(STAGE in text for text, _ in card.buttons())

    assert await _choose(employee, UNCONNECTED) == 1  # the card; the pin is edited, not sent again
    assert employee.pinned is card and card.edited and UNCONNECTED in card.content
    mine = [m for m in employee.messages if UNCONNECTED in m.content and "Выберите тип действия" in m.content]
    assert "❌" in mine[-1].content and "…1234" in mine[-1].content and "5555 AB-7" in mine[-1].content

    add_order(orders_dir, SECOND, phone="+375290001235")
    found = await _search_list(employee, "L-00")
    assert [text for text, _ in found.buttons()] == [
        f"❌ {UNCONNECTED} · 5555 AB-7 · …1234",
        f"❌ {SECOND} · …1235",
    ]
    assert "✅ клиент подключен к боту" in found.content  # the marks are explained


async def test_a_search_that_finds_one_order_opens_it_one_message_before_the_photo(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number = "Z-9817"
    add_order(orders_dir, number, phone="+375290009817")
    employee = await staff(bot, emulator, "+375291110054")
    calendar = await rescan(employee)
    await employee.press(
        next(data for text, data in calendar.buttons() if "Поиск" in text), calendar.message_id
    )
    await employee.wait_text("часть номера")
    before = len(employee.messages)
    await employee.send_text("9817")  # part of the number, the only open order with it: no list to tap
    card = await employee.wait_text("Выберите тип действия")
    assert number in card.content
    await employee.wait_until(lambda: employee.pinned is card)  # the card is the pin
    await stage_chosen(employee, await employee.press_button(STAGE))  # the pin, edited: no message
    assert [m.content for m in employee.messages[before:]] == [card.content], employee.dump()

    await employee.send_photo(blob("one-hit"))
    report = await wait_report(employee)
    assert number in report.content and "Сохранено: 1 файл" in report.content
    assert [p.read_bytes() for p in (orders_dir / number / "Inspection").iterdir()] == [blob("one-hit")]
    assert not [m for m in employee.messages if "Найдено" in m.content]


async def _search_list(employee: SimUser, part: str) -> BotMessage:
    calendar = await rescan(employee)
    await employee.press(
        next(data for text, data in calendar.buttons() if "Поиск" in text), calendar.message_id
    )
    await employee.wait_text("часть номера")
    await employee.send_text(part)
    return await employee.wait_text("Найдено")


async def test_a_day_with_sixty_orders_pages_and_refuses_a_forged_page(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    now = time.time()
    for n in range(60):
        folder = add_order(orders_dir, f"P-{n:03d}", phone=f"+3752977700{n:02d}")
        os.utime(folder, (now, now))
    employee = await staff(bot, emulator, "+375291110052")
    calendar = await rescan(employee)
    _, day = calendar_day_button(calendar, date.today())
    await employee.press(day, calendar.message_id)
    listing = await employee.wait_text("Заказ-наряды за")
    assert "страница 1 из" in listing.content
    first_page = {text.split(" · ")[0][2:] for text, _ in listing.buttons() if " · " in text}
    seen = set(first_page)
    while "Вперёд ▶️" in [text for text, _ in listing.buttons()]:
        await employee.press_button("Вперёд ▶️")
        page = int(listing.content.split("страница ")[1].split(" ")[0])
        await employee.wait_until(lambda p=page: f"страница {p + 1} из" in listing.content)
        seen |= {text.split(" · ")[0][2:] for text, _ in listing.buttons() if " · " in text}
    assert {f"P-{n:03d}" for n in range(60)} <= seen  # every order of the day, page by page
    assert "◀️ Назад" in [text for text, _ in listing.buttons()]

    forged = next(data for text, data in listing.buttons() if text == "◀️ Назад").rsplit(":", 1)[0] + ":99"
    answers = len(employee.callback_answers)
    await employee.press(forged, listing.message_id)
    await employee.wait_until(
        lambda: (
            any("Такой страницы" in (a["text"] or "") for a in employee.callback_answers[answers:])
            or any("Такой страницы" in m.content for m in employee.messages[-2:])
        )
    )


async def test_staff_and_clients_read_stage_labels_never_folder_names(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    number = "F-0077"
    phone = "+375290007777"
    add_order(orders_dir, number, phone=phone, plate_number="7777 AB-7")
    employee = await staff(bot, emulator, "+375291110053")
    client = emulator.add_user(first_name="Олег", phone=phone)
    await connect(client)

    await employee.send_photo(blob("before-stage"))  # held until the order and stage are chosen
    await employee.wait_text("Получено")
    await _choose(employee, number)
    await wait_report(employee)
    await employee.send_photo(blob("after-stage"), caption="Царапина")
    report = await wait_report(employee)
    assert STAGE in report.content
    await client.wait_for(lambda m: m.kind == "photo", count=2)

    for person in (employee, client):
        for message in person.messages:
            for folder in STAGE_FOLDERS:
                assert folder not in message.content, (folder, message.content)
                assert all(folder not in text for text, _ in message.buttons())
