"""Condition marks, recommendations the owner approves or declines, and "Мои заказы" (issue 15.3,
15.4, 15.6), end to end against the emulator.

One bot for the module (see conftest): each test brings its own employee, owner and order folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import blob, choose_stage, open_by_search, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows, indexed_order_id
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

MARKS = (
    "SELECT mark, note FROM media_marks k JOIN media m ON m.id = k.media_id"
    " WHERE m.order_id = ? ORDER BY m.id"
)


def _answers(user: SimUser) -> list[str]:
    return [a["text"] or "" for a in user.callback_answers]


async def _answered(user: SimUser, part: str) -> None:
    await user.wait_until(lambda: any(part in text for text in _answers(user)))


async def _filed_order(
    bot: BotProcess, emulator: TelegramEmulator, orders_dir: Path, number: str, phone: str, staff_phone: str
) -> tuple[SimUser, SimUser, int]:
    """An order with a connected owner, and an employee in its first stage."""
    add_order(orders_dir, number, phone, plate_number="1234 AB-7")
    employee = await staff(bot, emulator, staff_phone)
    owner = emulator.add_user(first_name="Владелец", phone=phone)
    await connect(owner)
    await open_by_search(employee, number)
    await choose_stage(employee)
    return employee, owner, await indexed_order_id(bot, number)


def _mark_button(report: BotMessage, label: str) -> str:
    return next(data for text, data in report.buttons() if label in text and data)


async def test_marks_by_caption_by_tap_with_note_and_for_an_album(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    employee, owner, order_id = await _filed_order(
        bot, emulator, orders_dir, "m000300001", "+375297000301", "+375291110301"
    )

    # a caption prefix marks the photo before it is delivered: the owner's caption carries the mark
    await employee.send_photo(blob("red-1"), caption="🔴 колодки на пределе")
    report = await wait_report(employee)
    assert "🏷 Отметка: 🔴 срочно" in report.content
    assert [text for text, _ in report.buttons()] == ["🟢 ок", "🟡 скоро", "✔ 🔴 срочно"]
    got = (await owner.wait_for(lambda m: m.kind == "photo"))[0]
    assert "🔴 срочно: колодки на пределе" in got.content
    assert db_rows(bot, MARKS, (order_id,)) == [("now", "колодки на пределе")]

    # a tap after delivery: the same confirmation is edited, the owner gets a reply to that photo
    await employee.send_photo(blob("plain-2"))
    report = await wait_report(employee)
    copy = (await owner.wait_for(lambda m: m.kind == "photo"))[0]
    before = len(employee.messages)
    await employee.press(_mark_button(report, "скоро"), report.message_id)
    await employee.wait_until(lambda: "Отметка: 🟡" in report.content and "заметку" in report.content)
    assert "Без заметки" in [text for text, _ in report.buttons()]
    followup = await owner.wait_text("Отметка мастера к фото — скоро потребуется")
    assert followup.raw["reply_to_message"]["message_id"] == copy.message_id
    await employee.send_text("масло темнеет")  # the note (not a message to the owner)
    await employee.wait_until(lambda: "масло темнеет" in report.content and "заметку" not in report.content)
    await owner.wait_until(lambda: "масло темнеет" in followup.content)
    assert len(employee.messages) == before, "marking added no messages: the confirmation was edited"
    assert db_rows(bot, MARKS, (order_id,))[1] == ("soon", "масло темнеет")
    assert not [m for m in owner.messages if m.content == "масло темнеет"]

    # an album: one confirmation, one keyboard; a tap marks all of it, one follow-up for the owner
    await employee.send_album([("photo", blob(f"album-{i}")) for i in range(3)])
    report = await wait_report(employee)
    await owner.wait_for(lambda m: m.media_group_id is not None, count=3)
    await employee.press(_mark_button(report, "срочно"), report.message_id)
    await owner.wait_text("Отметка мастера к фото — срочно")
    await employee.wait_until(lambda: "Без заметки" in [text for text, _ in report.buttons()])
    await employee.press_button("Без заметки")
    await employee.wait_until(lambda: "заметку" not in report.content)
    assert [mark for mark, _ in db_rows(bot, MARKS, (order_id,))] == ["now", "soon", "now", "now", "now"]

    # a new file ends the note prompt: the text typed after it goes to the owner as usual
    await employee.press(_mark_button(report, "скоро"), report.message_id)
    await employee.wait_until(lambda: "заметку" in report.content)
    await employee.send_photo(blob("next-3"))
    await wait_report(employee)
    await employee.send_text("Машина будет готова к обеду")
    await owner.wait_text("Машина будет готова к обеду")
    assert db_rows(bot, MARKS, (order_id,))[2:] == [("soon", "")] * 3
    assert len([m for m in owner.messages if "Отметка мастера" in m.content]) == 3

    # forged: a file that does not exist; the owner cannot mark at all
    await employee.press("mk:s:999999:now", report.message_id)
    await _answered(employee, "Файл не найден")
    owner_message = owner.messages[-1]
    await owner.press("mk:s:1:ok", owner_message.message_id)
    await _answered(owner, "кнопка вам недоступна")
    protocol = db_rows(bot, "SELECT COUNT(*) FROM protocol WHERE kind = 'mark' AND order_id = ?", (order_id,))
    assert protocol[0][0] == 4  # the "soon" tap, its note, the album's two taps


async def _new_recommendation(
    employee: SimUser, title: str, price: str, photos: int = 0, link: bool = False
) -> BotMessage:
    """Staff's dialog; `photos`: how many marked photos it offers, `link`: link the first one."""
    await employee.press_button("🛠 Рекомендации")
    await employee.wait_text("Ждут решения")
    await employee.press_button("Новая рекомендация")
    await employee.wait_text("Что нужно сделать")
    await employee.send_text(title)
    await employee.wait_text("Почему это нужно")
    await employee.send_text(f"Причина: {title}")
    if photos:
        choice = await employee.wait_text("Приложить фото")
        assert len([t for t, _ in choice.buttons() if "фото" in t]) == photos
        if link:
            await employee.press_button("фото 1")
            await employee.wait_until(lambda: "☑️" in choice.buttons()[0][0])
        await employee.press_button("Дальше")
        await employee.wait_until(lambda: "Стоимость" in choice.content)  # the same message, edited
    else:
        await employee.wait_text("Стоимость")
    await employee.send_text("двести")
    await employee.wait_text("Не понял стоимость")
    await employee.send_text(price)
    return await employee.wait_text("отправлена клиенту на согласование")


def _replay(emulator: TelegramEmulator, user: SimUser, card: BotMessage, data: str, qid: str) -> None:
    """The same callback query delivered again (as after a crash before the update was confirmed)."""
    query = {"id": qid, "from": user.user_dict, "message": dict(card.raw), "chat_instance": "1", "data": data}
    emulator.push_update("callback_query", query)


async def test_recommendation_approved_once_declined_and_totals(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    await connect(admin)
    employee, owner, order_id = await _filed_order(
        bot, emulator, orders_dir, "m000300002", "+375297000302", "+375291110302"
    )
    await employee.send_photo(blob("rec-red"), caption="срочно: диск тормозной")
    await wait_report(employee)
    await owner.wait_for(lambda m: m.kind == "photo")
    await employee.send_text("/type")  # the order card again
    await employee.wait_text("Выберите тип действия")

    await _new_recommendation(employee, "Замена тормозных дисков", "1 200,50 руб", photos=1, link=True)
    photo = (await owner.wait_for(lambda m: m.kind == "photo"))[0]
    card = await owner.wait_text("Замена тормозных дисков")
    assert "1\u00a0200,50 ₽" in card.content and "Рекомендация" in card.content
    assert photo.message_id < card.message_id
    approve = next(data for text, data in card.buttons() if "Согласовать" in text)
    assert approve is not None

    qid = await owner.press(approve, card.message_id)
    await owner.wait_until(lambda: "✅ Согласовано" in card.content and not card.buttons())
    await owner.press(approve, card.message_id)  # a double tap on the old keyboard
    await _answered(owner, "Решение уже принято: согласовано")
    _replay(emulator, owner, card, approve.replace(":1", ":0"), qid)  # replayed, even as a decline
    notice = await employee.wait_text("✅ Согласовано: клиент")
    assert "1\u00a0200,50 ₽" in notice.content
    await admin.wait_text("✅ Согласовано: клиент")
    rows = db_rows(
        bot, "SELECT decision, decided_by, decided_price FROM recommendations WHERE order_id = ?", (order_id,)
    )
    assert rows == [("approved", owner.id, 120_050)]

    await _new_recommendation(employee, "Замена щёток", "800 руб", photos=1)
    card2 = await owner.wait_text("Замена щёток")
    await owner.press(next(d for t, d in card2.buttons() if "Отказаться" in t), card2.message_id)
    await owner.wait_until(lambda: "❌ Отказ" in card2.content and not card2.buttons())
    await employee.wait_text("❌ Отказ: клиент")
    await _new_recommendation(employee, "Замена масла", "3000", photos=1)
    await owner.wait_text("Замена масла")

    await employee.press_button("🛠 Рекомендации")
    totals = await employee.wait_text("Рекомендации по заказ-наряду")
    for line in ("Согласовано: 1 на 1\u00a0200,50 ₽", "Отказ: 1 на 800 ₽", "Ждут решения: 1 на 3\u00a0000 ₽"):
        assert line in totals.content
    assert len([m for m in employee.messages if "Согласовано: клиент" in m.content]) == 1, "notified once"
    assert len([m for m in admin.messages if "Согласовано: клиент" in m.content]) == 1
    decisions = db_rows(
        bot, "SELECT COUNT(*) FROM protocol WHERE kind = 'decision' AND order_id = ?", (order_id,)
    )
    assert decisions == [(2,)]


async def test_my_orders_and_forged_buttons_of_another_owner(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    add_order(orders_dir, "m000300004", "+375297000303", plate_number="7777 XX-7")  # a second car
    add_order(orders_dir, "m000300005", "+375297000304")  # another owner's car
    employee, owner, order_id = await _filed_order(
        bot, emulator, orders_dir, "m000300003", "+375297000303", "+375291110303"
    )
    await _new_recommendation(employee, "Развал-схождение", "2500")
    card = await owner.wait_text("Развал-схождение")
    rec_id = db_rows(bot, "SELECT id FROM recommendations WHERE order_id = ?", (order_id,))[0][0]
    second_id = await indexed_order_id(bot, "m000300004")

    # a photo of the other owner's car marked by a tap before they connect: their copy carries it
    await open_by_search(employee, "m000300005")
    await choose_stage(employee)
    await employee.send_photo(blob("backlog-5"))
    report = await wait_report(employee)
    await employee.press(_mark_button(report, "скоро"), report.message_id)
    await employee.wait_until(lambda: "заметку" in report.content)
    await employee.send_text("пыльник ШРУСа")
    await employee.wait_until(lambda: "пыльник ШРУСа" in report.content)

    # another owner sees only their own order, and forges buttons naming this owner's
    stranger = emulator.add_user(first_name="Чужой", phone="+375297000304")
    await connect(stranger)
    backlog = (await stranger.wait_for(lambda m: m.kind == "photo"))[0]
    assert "🟡 скоро потребуется: пыльник ШРУСа" in backlog.content
    assert not [m for m in stranger.messages if "Отметка мастера" in m.content]
    await stranger.send_text("/orders")
    theirs = await stranger.wait_text("Ваши заказ-наряды")
    assert "m000300005" in theirs.content and "m000300003" not in theirs.content
    await stranger.press(f"dc:{rec_id}:1")
    await _answered(stranger, "недоступен")
    await stranger.press(f"ow:m:{order_id}")
    await stranger.wait_until(lambda: len([a for a in _answers(stranger) if "недоступен" in a]) == 2)
    assert not [m for m in stranger.messages if "Развал-схождение" in m.content]
    assert db_rows(bot, "SELECT decision FROM recommendations WHERE id = ?", (rec_id,)) == [(None,)]

    # "Мои заказы": both open orders, their status, a report and the waiting recommendations each
    with_status = "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, ?, ?, 0)"
    db_rows(bot, with_status, (order_id, "accepted", employee.id))
    db_rows(bot, with_status, (order_id, "in_work", employee.id))
    await owner.send_text("📋 Мои заказы")
    listing = await owner.wait_text("Ваши заказ-наряды")
    assert "m000300003 · 1234 AB-7 — В работе" in listing.content
    assert "m000300004 · 7777 XX-7 — статус не задан" in listing.content
    labels = [text for text, _ in listing.buttons()]
    assert "📄 Отчёт · m000300003" in labels and "🛠 Рекомендации (1) · m000300003" in labels
    assert "🛠 Рекомендации (0) · m000300004" in labels
    assert ("🛠 Рекомендации (0) · m000300004", f"ow:m:{second_id}") in listing.buttons()
    await owner.press_button("Рекомендации (1)")
    again = await owner.wait_text("Развал-схождение")
    assert again.message_id != card.message_id and "Согласовать" in [
        t.split()[-1] for t, _ in again.buttons()
    ]
    await owner.press_button("Рекомендации (0)")
    await _answered(owner, "Нет рекомендаций")
