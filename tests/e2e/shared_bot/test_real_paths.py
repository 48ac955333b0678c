"""The paths real dealers take (issue 12): nothing a person sends is lost or misrouted.

A client's album arrives whole; a photo or album sent before the stage is held and filed once the stage
is tapped; a number typed after search results searches again instead of reaching the previous
order's client; a relayed text gets a 👍 on the employee's message, a failed one is said in words.
One bot for the module (see conftest): each test brings its own employee, client and order folder.
The held files across a restart are in tests/e2e/test_held_media_restart.py (it needs its own bot).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.flows import (
    blob,
    choose_stage,
    largest,
    listed_numbers,
    open_by_search,
    search,
    staff,
    stage_chosen,
    wait_report,
)
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows, rescan, set_user
from tests.emulator import SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

SHARED_BOT = {"send_rate_per_chat": 3.0}

STAGE = "Прием автомобилей"
RESEND = ("ещё раз", "снова", "не сохранён")  # what nobody may be asked after the bot got a file


async def order_with_client(
    bot: BotProcess, emulator: TelegramEmulator, number: str, phone: str, staff_phone: str
) -> tuple[SimUser, SimUser]:
    add_order(bot.branch_photo, number, phone)
    employee = await staff(bot, emulator, staff_phone)
    client = emulator.add_user(first_name="Клиент", phone=phone)
    await connect(client)
    return employee, client


def no_resend_asked(user: SimUser) -> None:
    asked = [m.content for m in user.messages if any(word in m.content for word in RESEND)]
    assert not asked, f"asked to send again: {asked}"


async def test_client_album_reaches_employee_whole_and_every_item_is_filed(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order = "e000410001"
    employee, client = await order_with_client(bot, emulator, order, "+375297410001", "+375291410001")
    await open_by_search(employee, order)
    await employee.send_text("Пришлите, пожалуйста, фото документов")
    await client.wait_text("Пришлите, пожалуйста")

    employee.mark()
    photos = [blob(f"client-album-{i}") for i in range(3)]
    sent = await client.send_album([("photo", data) for data in photos], caption="вот <документы>")
    got = await employee.wait_for(lambda m: m.kind == "photo", count=3, timeout=20)
    assert [m.file_id for m in got] == [largest(part) for part in sent]
    assert len({m.media_group_id for m in got}) == 1 and got[0].media_group_id is not None, "one album"
    assert order in got[0].content and "вот <документы>" in got[0].content
    note = await employee.wait_text("Альбом клиента")
    assert any(order in text for text, _ in note.buttons()), "the switch-to-order button is kept"

    folder = orders_dir / order / "Client"
    await emulator.wait_until(lambda: folder.is_dir() and len(list(folder.iterdir())) == 3, timeout=15)
    assert sorted(p.read_bytes() for p in folder.iterdir()) == sorted(photos)
    # the protocol lines are written after the album is queued: they may come after it reached the employee
    query = "SELECT COUNT(*) FROM protocol WHERE sender_id = ? AND file_path LIKE ?"
    await emulator.wait_until(lambda: db_rows(bot, query, (client.id, "%Client/%")) == [(3,)], timeout=15)


async def test_photo_and_album_before_the_stage_are_held_and_filed_once_the_stage_is_tapped(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order = "e000420002"
    employee, client = await order_with_client(bot, emulator, order, "+375297420002", "+375291420002")
    await open_by_search(employee, order)

    photo = await employee.send_photo(blob("before-stage"), caption="до выбора")
    held = await employee.wait_text("Получено: 1 файл")
    assert held.raw["reply_to_message"]["message_id"] == photo["message_id"]
    assert STAGE in [text for text, _ in held.buttons()]
    album = await employee.send_album([("photo", blob(f"before-album-{i}")) for i in range(2)])
    await employee.wait_text("Получено: 2 файла")
    assert not (orders_dir / order / "Inspection").exists(), "nothing is filed before the stage"

    await stage_chosen(employee, await employee.press_button(STAGE), STAGE)
    first = await wait_report(employee)
    second = await wait_report(employee)
    assert "Сохранено: 1 файл" in first.content and "Сохранено: 2 файла" in second.content
    assert first.raw["reply_to_message"]["message_id"] == photo["message_id"]

    got = await client.wait_for(lambda m: m.kind == "photo", count=3, timeout=20)
    assert [m.file_id for m in got] == [largest(photo), *(largest(part) for part in album)]
    assert "до выбора" in got[0].content and got[1].media_group_id == got[2].media_group_id is not None
    folder = orders_dir / order / "Inspection"
    wanted = sorted([blob("before-stage"), blob("before-album-0"), blob("before-album-1")])
    assert sorted(p.read_bytes() for p in folder.iterdir()) == wanted
    assert db_rows(bot, "SELECT COUNT(*) FROM held_media WHERE staff_id = ?", (employee.id,)) == [(0,)]

    # the stage tapped again (an old keyboard) files nothing twice
    await employee.send_text("/type")
    await employee.wait_text("Выберите тип действия")
    await stage_chosen(employee, await employee.press_button(STAGE), STAGE)
    await employee.send_photo(blob("after-stage"))
    await wait_report(employee)
    await client.wait_for(lambda m: m.kind == "photo", timeout=20)
    assert sum(1 for m in client.messages if m.kind == "photo") == 4
    assert len(list(folder.iterdir())) == 4
    no_resend_asked(employee)


async def test_a_second_search_typed_after_results_searches_again_and_reaches_nobody(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    order, other, third = "e000430003", "e000430004", "e000431005"
    employee, client = await order_with_client(bot, emulator, order, "+375297430003", "+375291430003")
    add_order(bot.branch_photo, other, "+375297430004")
    add_order(bot.branch_photo, third, "+375297431005")
    await open_by_search(employee, order)
    await employee.send_text("Добрый день, машину приняли")
    await client.wait_text("машину приняли")

    found = await search(employee, "e00043")
    assert set(listed_numbers(found)) >= {order, other, third}
    await employee.send_text("e0004300")  # typed instead of tapped: a new search
    again = await employee.wait_text("Найдено")
    assert sorted(listed_numbers(again)) == [order, other]
    await employee.send_text("/cancel")
    await employee.wait_text("отменено")

    stray = await employee.send_text("e000430004 уточните номер")  # no dialog, not in the chat
    hint = await employee.wait_text("не отправлено")
    assert hint.raw["reply_to_message"]["message_id"] == stray["message_id"] and order in hint.content
    assert not [m for m in client.messages if "уточните" in m.content or other in m.content]

    # the hint's button sends that very text after all, once, and returns to the order's chat
    await employee.press_button("Отправить это клиенту")
    await client.wait_text("уточните номер")
    await employee.wait_until(lambda: employee.reactions.get(stray["message_id"]) == ["👍"])
    await employee.send_text("Ещё вопрос")
    await client.wait_text("Ещё вопрос")
    assert sum("уточните номер" in m.content for m in client.messages) == 1

    # /order leaves the chat again; the card's "💬 Написать клиенту" (/type) returns to it
    await rescan(employee)
    await employee.send_text("e000430004")
    await employee.wait_text("не отправлено")
    await employee.send_text("/type")
    await employee.wait_text("Выберите тип действия")
    await employee.press_button("Написать клиенту")
    await employee.wait_text("Переписка по заказ-наряду")
    await employee.send_text("Снова на связи")
    await client.wait_text("Снова на связи")
    assert not [m for m in client.messages if m.content.strip().endswith("e000430004")]


async def test_relayed_text_gets_a_reaction_and_a_failed_one_is_said_in_words(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    order = "e000440005"
    employee, client = await order_with_client(bot, emulator, order, "+375297440005", "+375291440005")
    await open_by_search(employee, order)

    text = await employee.send_text("Машина готова, можно забирать")
    await client.wait_text("можно забирать")
    await employee.wait_until(lambda: employee.reactions.get(text["message_id"]) == ["👍"])
    assert not [m for m in employee.messages if "не доставлено" in m.content]

    client.block_bot()
    await emulator.wait_until(
        lambda: db_rows(bot, "SELECT reachable FROM users WHERE telegram_id = ?", (client.id,)) == [(0,)]
    )
    lost = await employee.send_text("Вы здесь?")
    await employee.wait_text("не доставлено")
    assert lost["message_id"] not in employee.reactions


async def test_client_album_with_nobody_to_answer_reaches_care_whole_by_one_tap(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    care = emulator.add_user(first_name="Забота", phone="+375291460006")
    await connect(care)
    set_user(bot, care.id, level=4, name="Анна")
    client = emulator.add_user(first_name="Новый", phone="+375297460006")
    await connect(client)

    sent = await client.send_album([("photo", blob(f"care-{i}")) for i in range(3)], caption="царапина")
    offer = await client.wait_text("службу заботы")
    assert offer.buttons()
    await client.press_button("Отправить в службу заботы")
    await client.wait_text("передано в службу заботы")
    got = await care.wait_for(lambda m: m.kind == "photo", count=3, timeout=20)
    assert [m.file_id for m in got] == [largest(part) for part in sent]
    assert len({m.media_group_id for m in got}) == 1 and "+375297460006" in got[0].content
    await care.wait_text("Альбом клиента")


async def test_a_photo_sent_while_looking_for_the_order_waits_for_it_not_for_the_previous_one(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order, previous = "e000470007", "e000470008"
    employee, client = await order_with_client(bot, emulator, order, "+375297470007", "+375291470007")
    add_order(orders_dir, previous, "+375297470008")
    await open_by_search(employee, previous)
    await choose_stage(employee, STAGE)  # the previous order has a stage: nothing may land there

    found = await search(employee, "e00047000")  # this order and the previous one: a list to tap
    assert set(listed_numbers(found)) == {order, previous}
    photo = await employee.send_photo(blob("while-searching"))  # instead of tapping the order first
    await employee.wait_text("Выберите заказ-наряд (/order)")
    await employee.press_button(order)
    await employee.wait_text("Выберите тип действия")
    await choose_stage(employee, STAGE)
    report = await wait_report(employee)
    assert "Сохранено: 1 файл" in report.content and order in report.content
    got = await client.wait_for(lambda m: m.kind == "photo", timeout=20)
    assert got[0].file_id == largest(photo)
    filed = [p.read_bytes() for p in (orders_dir / order / "Inspection").iterdir()]
    assert filed == [blob("while-searching")]
    assert not (orders_dir / previous / "Inspection").exists()
    no_resend_asked(employee)
