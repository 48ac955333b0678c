"""Issue 15 walked as one story, the way staff and an owner live it (the independent check's scenario).

The employee finds the order and taps "Пригласить клиента"; the owner opens the deep link taken from
that message's text and shares the contact, a stranger with another phone opens the same link; the
status is set with taps; a photo is filed and marked 🔴 with a note; a recommendation linked to that
photo is created through the dialog, approved by the owner (a double tap and a replayed update decide
once), another is declined; at "Готов к выдаче" the owner gets the PDF, read back with pypdf; staff see
the totals; "Мои заказы" lists both of the owner's orders; forged buttons for another owner's order,
an old card pressed by someone who no longer owns the order, a card of a closed order, and hostile
prices and titles are answered. Every text the owner gets is read: Russian, escaped, no folder names.

The same story runs a second time (test_inspection_story_hostile.py, a file of its own so the two
run in parallel) with the emulator hostile (HTML 502/504 pages, 429 with
retry_after, cut connections, a long poll whose answer is lost after it took effect): nothing is lost
and nothing arrives twice.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from config import TYPE_ORDER
from tests.e2e.conftest import ADMIN_PHONE, BotFactory
from tests.e2e.flows import choose_stage, open_by_search, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator
from tests.emulator.common import SENDING
from tests.emulator.server import DOWNLOAD

NUMBER, SECOND, FOREIGN_ORDER = "IS-150001", "IS-150002", "IS-150003"
OWNER_PHONE, STRANGER_PHONE, OTHER_OWNER_PHONE = "+375297150001", "+375297150099", "+375297150077"
PLATE = "5150 AB-7"
LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")
TITLE = "Колодки <b>срочно</b> & диски"
NOTE = "<b>тормоза</b> & диски на пределе"
APPROVED_PRICE, DECLINED_PRICE = "12 500,50", "3 000"
FOLDERS = [*TYPE_ORDER.values(), "Client"]
HOSTILE_METHODS = frozenset(
    {*SENDING, "editmessagetext", "answercallbackquery", "getfile", DOWNLOAD, "getupdates"}
)
HOSTILE_KINDS = ("502html", "504html", "429", "drop")  # none of them takes effect: nothing may double


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), ((seed * 70) % 256, (seed * 30) % 256, 120)).save(out, "JPEG")
    return out.getvalue()


def _answers(user: SimUser) -> list[str]:
    return [a["text"] or "" for a in user.callback_answers]


async def _answered(user: SimUser, part: str, times: int = 1) -> None:
    await user.wait_until(lambda: sum(part in text for text in _answers(user)) >= times, timeout=60)


def _token(message: BotMessage) -> str:
    found = LINK.search(message.content)
    assert found is not None, message.content
    return found.group(2)


async def _card(employee: SimUser, number: str = NUMBER) -> None:
    """The order card again, as staff find it: /order, search, the order."""
    await open_by_search(employee, number)


async def _set_status(employee: SimUser, label: str) -> BotMessage:
    await employee.press_button("Статус")
    menu = await employee.wait_text("Выберите новый", timeout=60)
    data = next(data for text, data in menu.buttons() if text.endswith(label) and data)
    await employee.press(data, menu.message_id)
    await employee.wait_until(lambda: f"«{label}»" in menu.content, timeout=60)
    return menu


async def _recommendation(employee: SimUser, title: str, price: str, link_photo: bool) -> BotMessage:
    """Staff's dialog from the order card; bad prices first, each answered and the dialog kept."""
    await employee.press_button("🛠 Рекомендации")
    await employee.wait_text("Ждут решения", timeout=60)
    await employee.press_button("Новая рекомендация")
    await employee.wait_text("Что нужно сделать", timeout=60)
    await employee.send_text("Я" * 2000)  # far over a title's length: answered, the dialog goes on
    await employee.wait_text("до 300 символов", timeout=60)
    await employee.send_text(title)
    await employee.wait_text("Почему это нужно", timeout=60)
    await employee.send_text(f"Причина: {NOTE}")
    choice = await employee.wait_text("Приложить фото", timeout=60)
    if link_photo:
        await employee.press_button("фото 1")
        await employee.wait_until(lambda: "☑️" in choice.buttons()[0][0], timeout=60)
    await employee.press_button("Дальше")
    await employee.wait_until(lambda: "Стоимость" in choice.content, timeout=60)
    for bad, answer in (
        ("0", "больше нуля"),
        ("0,00 руб.", "больше нуля"),
        ("-500", "Не понял стоимость"),
        ("1 000 000 000 000", "Не понял стоимость"),
        ("двести", "Не понял стоимость"),
        ("12,5,0", "Не понял стоимость"),
    ):
        await employee.send_text(bad)
        await employee.wait_text(answer, timeout=60)
    await employee.send_text(price)
    return await employee.wait_text("отправлена клиенту на согласование", timeout=60)


def _owner_texts_are_clean(owner: SimUser, order_ids: list[int]) -> None:
    """Russian, no folder names, no raw ids, no HTML that was not escaped."""
    for message in owner.messages:
        content = message.content
        if not content:
            continue
        assert re.search(r"[А-Яа-яЁё]", content), f"not Russian: {content!r}"
        for folder in FOLDERS:
            assert not re.search(rf"\b{folder}\b", content), f"folder name {folder!r} in {content!r}"
        assert "dc:" not in content and "ow:" not in content
        for order_id in order_ids:  # an order's database id is never shown (its number is)
            assert not re.search(rf"(?<![\d.,]){order_id}(?![\d.,])", content), content
        if "<b>" in content:  # only the staff's own words carry it, and then literally
            assert TITLE in content or NOTE in content, content


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return reader, " ".join(text.split())


async def story(emulator: TelegramEmulator, bot: BotProcess, orders: Path, hostile: bool) -> None:
    add_order(orders, NUMBER, OWNER_PHONE, plate_number=PLATE)
    add_order(orders, SECOND, OWNER_PHONE, plate_number="7777 XX-7")  # the same owner's second car
    add_order(orders, FOREIGN_ORDER, OTHER_OWNER_PHONE, plate_number="1212 OO-1")
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    await connect(admin)
    care = emulator.add_user(first_name="Забота", phone="+375297150003")
    await connect_as(bot, care, 4, name="Анна Забота")
    employee = await staff(bot, emulator, "+375297150002")
    other_owner = emulator.add_user(first_name="Другой", phone=OTHER_OWNER_PHONE)
    await connect(other_owner)

    # --- the invitation: the link from the SMS text, opened by a stranger and by the owner
    await _card(employee)
    await employee.press_button("Пригласить клиента")
    sms = await employee.wait_text("Текст для SMS", timeout=60)
    token = _token(sms)
    assert NUMBER in sms.content and NUMBER not in token
    await employee.wait_for(lambda m: m.kind == "photo" and "QR" in m.content, timeout=60)

    stranger = emulator.add_user(first_name="Чужой", phone=STRANGER_PHONE)
    await stranger.send_text(f"/start {token}")
    await stranger.wait_text("Отправить мой номер", timeout=60)
    await stranger.send_contact()
    await stranger.wait_text("не совпадает", timeout=60)
    alert = await care.wait_text("другим номером", timeout=60)
    assert STRANGER_PHONE in alert.content and OWNER_PHONE in alert.content

    owner = emulator.add_user(first_name="Ольга", phone=OWNER_PHONE)
    await owner.send_text(f"/start {token}")
    await owner.wait_text("Отправить мой номер", timeout=60)
    await owner.send_contact()
    await owner.wait_text(f"Вы подключены к заказ-наряду {NUMBER}", timeout=60)
    joined = await employee.wait_text("Клиент подключился", timeout=60)
    assert "Ольга" in joined.content and "Чужой" not in joined.content

    # --- statuses by taps: the owner gets each templated message once
    await _card(employee)
    await _set_status(employee, "Принят")
    await owner.wait_text("принят", timeout=60)
    await _set_status(employee, "Диагностика")
    await owner.wait_text("диагностик", timeout=60)

    # --- a photo filed, marked 🔴 with a note (HTML in it arrives as text)
    await choose_stage(employee)
    await employee.send_photo(_jpeg(1), caption="передняя ось")
    filed = await wait_report(employee, timeout=90)
    await owner.wait_for(lambda m: m.kind == "photo", timeout=90)
    red = next(data for text, data in filed.buttons() if "срочно" in text and data)
    await employee.press(red, filed.message_id)
    await employee.wait_until(lambda: "заметку" in filed.content, timeout=60)
    await employee.send_text(NOTE)
    await employee.wait_until(lambda: NOTE in filed.content, timeout=60)
    followup = await owner.wait_text("Отметка мастера к фото — срочно", timeout=60)
    await owner.wait_until(lambda: NOTE in followup.content, timeout=60)
    await employee.send_photo(_jpeg(2), caption="задний бампер")  # a second, unmarked photo
    await wait_report(employee, timeout=90)
    await owner.wait_for(lambda m: m.kind == "photo", timeout=90)

    # --- two recommendations; the first linked to the red photo
    order_id = await indexed_order_id(bot, NUMBER)
    await _card(employee)
    created = await _recommendation(employee, TITLE, APPROVED_PRICE, link_photo=True)
    assert TITLE in created.content and "12\u00a0500,50 ₽" in created.content
    linked = (await owner.wait_for(lambda m: m.kind == "photo", timeout=60))[0]
    card = await owner.wait_text(TITLE, timeout=60)
    assert linked.message_id < card.message_id
    assert "12\u00a0500,50 ₽" in card.content and NOTE in card.content and PLATE in card.content
    await _card(employee)
    await _recommendation(employee, "Замена щёток", DECLINED_PRICE, link_photo=False)
    card2 = await owner.wait_text("Замена щёток", timeout=60)

    # the owner opens "Мои заказы" and asks for the waiting cards again: the red photo, both cards, once
    await owner.send_text("/orders")
    listing = await owner.wait_text("Ваши заказ-наряды", timeout=60)
    await owner.press_button(f"🛠 Рекомендации (2) · {NUMBER}")
    again = await owner.wait_for(
        lambda m: m.kind == "photo" or "Рекомендация" in m.content, count=3, timeout=60
    )
    assert [m.kind for m in again] == ["photo", "text", "text"] and TITLE in again[1].content
    assert "Замена щёток" in again[2].content and again[0].file_unique_id == linked.file_unique_id
    assert listing.message_id < again[0].message_id

    # approve: two quick taps on the same card, then the first press delivered again (same update_id)
    approve = next(data for text, data in card.buttons() if "Согласовать" in text)
    assert approve is not None
    if hostile:  # the card's edit and the tap's answer took effect, then the connection was cut
        emulator.fail_next("editMessageText", status="drop_after")
        emulator.fail_next("answerCallbackQuery", status="drop_after")
        emulator.fail_next("sendMessage", status=429, retry_after=2)
    first = await owner.press(approve, card.message_id)
    await owner.press(approve, card.message_id)
    await owner.wait_until(lambda: "✅ Согласовано" in card.content and not card.buttons(), timeout=60)
    await _answered(owner, "Решение уже принято: согласовано")
    emulator.replay_callback(first)
    decline = next(data for text, data in card2.buttons() if "Отказаться" in text)
    assert decline is not None
    await owner.press(decline, card2.message_id)  # after the replay: it was handled before this
    await owner.wait_until(lambda: "❌ Отказ" in card2.content and not card2.buttons(), timeout=60)
    await employee.wait_text("✅ Согласовано: клиент", timeout=60)
    await employee.wait_text("❌ Отказ: клиент", timeout=60)
    await admin.wait_text("❌ Отказ: клиент", timeout=60)
    decisions = db_rows(
        bot,
        "SELECT title, decision, decided_by, decided_price FROM recommendations WHERE order_id = ?"
        " ORDER BY id",
        (order_id,),
    )
    assert decisions == [
        (TITLE, "approved", owner.id, 1_250_050),
        ("Замена щёток", "declined", owner.id, 300_000),
    ]

    # --- staff totals
    await _card(employee)
    await employee.press_button("🛠 Рекомендации")
    totals = await employee.wait_text("Рекомендации по заказ-наряду", timeout=60)
    for line in ("Согласовано: 1 на 12\u00a0500,50 ₽", "Отказ: 1 на 3\u00a0000 ₽", "Ждут решения: 0 на 0 ₽"):
        assert line in totals.content, totals.content

    # --- "Готов к выдаче": the owner gets the PDF; read it back
    if hostile:
        emulator.fail_next("sendDocument", status="504html")
        emulator.fail_next("sendDocument", status="drop")
    await _set_status(employee, "Готов к выдаче")
    await owner.wait_text("готов к выдаче", timeout=60)
    pdf_message = (
        await owner.wait_for(
            lambda m: m.kind == "document" and m.file_name == f"Отчет_{NUMBER}.pdf", timeout=120
        )
    )[0]
    reader, text = _pdf_text(emulator.file_bytes(pdf_message.file_id or ""))
    images = sum(len(page.images) for page in reader.pages)
    assert len(reader.pages) >= 1 and images == 2, (len(reader.pages), images)
    assert f"стр. {len(reader.pages)} из {len(reader.pages)}" in text
    for part in (
        NUMBER,
        PLATE,
        "История статусов",
        "Принят",
        "Диагностика",
        "Готов к выдаче",
        "Пётр Мастер",
        "Срочно",
        "тормоза",  # the note (its HTML drawn as text)
        "Колодки <b>срочно</b> & диски — 12 500,50 руб.",
        "Замена щёток — 3 000,00 руб.",
        "Согласовано: 12 500,50 руб.",
        "Отказано: 3 000,00 руб.",
        "Ждёт решения: 0,00 руб.",
    ):
        assert part in text, f"{part!r} not in the PDF: {text}"
    assert OWNER_PHONE not in text  # masked
    assert (orders / NUMBER / f"Отчет_{NUMBER}.pdf").is_file()

    # --- "Мои заказы": both of the owner's orders, with their status; the other owner's never
    await owner.send_text("📋 Мои заказы")
    mine = await owner.wait_text("Ваши заказ-наряды", timeout=60)
    assert NUMBER in mine.content and SECOND in mine.content and FOREIGN_ORDER not in mine.content
    assert "Готов к выдаче" in mine.content and "статус не задан" in mine.content
    second_id = await indexed_order_id(bot, SECOND)
    foreign_id = await indexed_order_id(bot, FOREIGN_ORDER)
    assert {f"ow:r:{order_id}", f"ow:r:{second_id}"} <= {data for _, data in mine.buttons()}

    # the client menu's "📄 Отчёт" with two open orders: a choice, then the chosen order's report
    await owner.send_text("📄 Отчёт")
    pick = await owner.wait_text("По какому заказ-наряду", timeout=60)
    assert [data for _, data in pick.buttons()] == [f"ow:r:{order_id}", f"ow:r:{second_id}"]
    await owner.press(f"ow:r:{second_id}", pick.message_id)
    await owner.wait_for(lambda m: m.kind == "document" and m.file_name == f"Отчет_{SECOND}.pdf", timeout=120)

    # --- forged buttons, packed by hand, naming the other owner's order and recommendation
    await _card(employee, FOREIGN_ORDER)
    await employee.press_button("🛠 Рекомендации")
    await employee.wait_text("Ждут решения", timeout=60)
    await employee.press_button("Новая рекомендация")
    await employee.wait_text("Что нужно сделать", timeout=60)
    await employee.send_text("Чужая рекомендация")
    await employee.wait_text("Почему это нужно", timeout=60)
    await employee.send_text("для другого владельца")
    await employee.wait_text("Стоимость", timeout=60)
    await employee.send_text("1000")
    await employee.wait_text("отправлена клиенту", timeout=60)
    await other_owner.wait_text("Чужая рекомендация", timeout=60)
    [(foreign_rec,)] = db_rows(bot, "SELECT id FROM recommendations WHERE order_id = ?", (foreign_id,))
    refusals = sum("недоступен" in text for text in _answers(owner))
    for forged in (f"ow:r:{foreign_id}", f"ow:m:{foreign_id}", f"dc:{foreign_rec}:1", f"dc:{foreign_rec}:0"):
        await owner.press(forged, mine.message_id)
    await owner.wait_until(
        lambda: sum("недоступен" in text for text in _answers(owner)) >= refusals + 4, timeout=60
    )
    answered = len(owner.callback_answers)
    for malformed in ("dc:abc:1", f"dc:{foreign_rec}:maybe", f"ow:z:{foreign_id}", "ow:r:" + "9" * 30):
        await owner.press(malformed, mine.message_id)  # not even parsable: answered, nothing shown
    await owner.wait_until(lambda: len(owner.callback_answers) >= answered + 4, timeout=60)
    staff_answers = len(employee.callback_answers)
    await employee.press(f"dc:{foreign_rec}:1")  # staff cannot decide for an owner either
    await employee.wait_until(lambda: len(employee.callback_answers) > staff_answers, timeout=60)
    assert db_rows(bot, "SELECT decision FROM recommendations WHERE id = ?", (foreign_rec,)) == [(None,)]
    assert not [m for m in owner.messages if FOREIGN_ORDER in m.content or "Чужая" in m.content]

    # --- an old card pressed by someone who no longer owns the order (the order's phone changed)
    await _card(employee, SECOND)
    await employee.press_button("🛠 Рекомендации")
    await employee.wait_text("Ждут решения", timeout=60)
    await employee.press_button("Новая рекомендация")
    await employee.wait_text("Что нужно сделать", timeout=60)
    await employee.send_text("Развал-схождение")
    await employee.wait_text("Почему это нужно", timeout=60)
    await employee.send_text("машину тянет вправо")
    await employee.wait_text("Стоимость", timeout=60)
    await employee.send_text("2500")
    await employee.wait_text("отправлена клиенту", timeout=60)
    old_card = await owner.wait_text("Развал-схождение", timeout=60)
    old_approve = next(data for text, data in old_card.buttons() if "Согласовать" in text)
    add_order(orders, SECOND, "+375297150055", plate_number="7777 XX-7")  # sold: another owner's now
    await rescan(employee)
    await employee.wait_until(
        lambda: db_rows(bot, "SELECT phone FROM orders WHERE id = ?", (second_id,)) == [("+375297150055",)],
        timeout=30,
    )
    await owner.press(old_approve or "", old_card.message_id)
    await owner.wait_until(
        lambda: sum("недоступен" in text for text in _answers(owner)) >= refusals + 5, timeout=60
    )
    assert db_rows(bot, "SELECT decision FROM recommendations WHERE order_id = ?", (second_id,)) == [(None,)]

    # --- a card of an order that got closed (its folder went away): no decision any more
    pending = db_rows(bot, "SELECT id FROM recommendations WHERE order_id = ?", (foreign_id,))
    (orders / FOREIGN_ORDER).rename(orders.parent / f"{FOREIGN_ORDER}-archived")
    await rescan(employee)
    await employee.wait_until(
        lambda: db_rows(bot, "SELECT is_open FROM orders WHERE id = ?", (foreign_id,)) == [(0,)], timeout=30
    )
    foreign_card = next(m for m in other_owner.messages if "Чужая рекомендация" in m.content)
    await other_owner.press(f"dc:{pending[0][0]}:1", foreign_card.message_id)
    await _answered(other_owner, "закрыт")
    cards_before = len(other_owner.messages)
    await other_owner.press(f"ow:m:{foreign_id}", foreign_card.message_id)  # an old "Мои заказы" button
    await _answered(other_owner, "закрыт", times=2)
    assert len(other_owner.messages) == cards_before  # no card of a closed order sent to decide again
    assert db_rows(bot, "SELECT decision FROM recommendations WHERE order_id = ?", (foreign_id,)) == [(None,)]

    # --- nothing lost, nothing doubled, every owner text clean
    await emulator.wait_until(lambda: _settled(bot), timeout=120)
    assert len([m for m in employee.messages if "Согласовано: клиент" in m.content]) == 1
    assert len([m for m in admin.messages if "Согласовано: клиент" in m.content]) == 1
    assert sorted(m.file_name for m in owner.messages if m.kind == "document") == [
        f"Отчет_{NUMBER}.pdf",
        f"Отчет_{SECOND}.pdf",
    ]
    cards = Counter(m.content.split("\n")[1] for m in owner.messages if "Рекомендация" in m.content)
    assert cards == Counter({TITLE: 2, "Замена щёток": 2, "Развал-схождение": 1}), cards  # sent, then resent
    assert (
        len([m for m in owner.messages if m.kind == "photo" and m.file_unique_id == linked.file_unique_id])
        == 3  # filed, with the card, resent
    )
    statuses = [m.content for m in owner.messages if "статус" in m.content.lower() or "готов" in m.content]
    assert len(statuses) == len(set(statuses)), statuses
    assert db_rows(
        bot, "SELECT COUNT(*) FROM protocol WHERE kind = 'decision' AND order_id = ?", (order_id,)
    ) == [(2,)]
    _owner_texts_are_clean(owner, [order_id, second_id, foreign_id])
    if hostile:
        faults = Counter(c.method.lower() for c in emulator.calls if "(fault)" in (c.description or ""))
        print(f"faults injected: {dict(faults)}")
        assert sum(faults.values()) >= 10
    assert "was not handled" not in bot.log_text()
    assert "Traceback" not in bot.output_text()


def _settled(bot: BotProcess) -> bool:
    left = db_rows(
        bot, "SELECT (SELECT COUNT(*) FROM inbox) + (SELECT COUNT(*) FROM outbox WHERE status = 'pending')"
    )
    return left[0][0] == 0


async def test_inspection_story(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir)
    await story(emulator, bot, orders_dir, hostile=False)
