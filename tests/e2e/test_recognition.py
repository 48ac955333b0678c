"""/order by a photo end to end: the barcode on the order sheet, the car's plate, typed plates, nothing
found, unreadable photos, a missing tesseract; another employee and client keep talking meanwhile."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.recognition.barcodes import decode_barcodes
from services.recognition.plates import read_plates
from tests.e2e.conftest import BotFactory
from tests.e2e.flows import stage_chosen
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, connect_as, db_rows
from tests.emulator import SimUser, TelegramEmulator
from texts import plate_display

CHAT_ORDER = "a000177322"  # fixture: open, client +375298943508, plate "0434 МН-1"
CHAT_CLIENT_PHONE = "+375298943508"
BARCODE_ORDER = "R-BC-0001"
PLATE_ORDER = "R-PL-0001"
OPENED = "Выберите тип действия"
CYRILLIC = str.maketrans("ABEIKMHOPCTX", "авеікмнорстх")


@dataclass(frozen=True)
class Photos:
    barcode: bytes  # its code is in BARCODE_ORDER's content.txt
    code: str
    other_barcode: bytes  # a code no order has
    other_code: str
    plate: bytes  # a car whose plate is in PLATE_ORDER's content.txt
    plate_text: str  # normalized


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Photos:
    """Synthetic photos that the recognition services read right in this process (so the test follows
    their tuning instead of pinning one seed's result)."""
    from tests.synth import generate_barcode_set, generate_plate_set

    root = tmp_path_factory.mktemp("recognition-photos")
    barcodes = [
        (p.read_bytes(), code)
        for p, code in generate_barcode_set(root, 2, seed=6201)
        if decode_barcodes(p) == [code]
    ]
    plates = [
        (p.read_bytes(), plate)
        for p, plate in generate_plate_set(root, 2, seed=6202)
        if read_plates(p)[:1] == [plate]
    ]
    if len(barcodes) < 2 or not plates:
        pytest.fail("the synthetic photos are no longer read by services.recognition (barcodes, plates)")
    return Photos(barcodes[0][0], barcodes[0][1], barcodes[1][0], barcodes[1][1], *plates[0])


def write_order(
    orders_dir: Path, number: str, *, barcode: str = "", plate: str = "", phone: str = "+375291234567"
) -> None:
    folder = orders_dir / number
    folder.mkdir()
    content = {"order": number, "barcode": barcode, "phone": phone, "plate_number": plate}
    (folder / "content.txt").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def current_order(bot: BotProcess, staff: SimUser) -> str | None:
    rows = db_rows(
        bot,
        "SELECT o.number FROM work_context w JOIN orders o ON o.id = w.order_id WHERE w.telegram_id = ?",
        (staff.id,),
    )
    return rows[0][0] if rows else None


async def start_search(employee: SimUser, button: str, prompt: str) -> None:
    await employee.send_text("/order")
    await employee.wait_text("Выберите заказ-наряд")
    await employee.press_button(button)
    await employee.wait_text(prompt)


async def opened(bot: BotProcess, employee: SimUser, number: str, timeout: float = 20.0) -> None:
    message = await employee.wait_text(OPENED, timeout=timeout)
    assert number in message.content
    # the card is sent, then pinned: the pin follows it
    await employee.wait_until(lambda: employee.pinned is not None and number in employee.pinned.content)
    assert current_order(bot, employee) == number


class Chatter:
    """Another employee and their client exchanging texts through CHAT_ORDER; each round trip's
    delivery delays are recorded with the moment they were measured."""

    def __init__(self, bot: BotProcess, employee: SimUser, client: SimUser) -> None:
        self.bot, self.employee, self.client = bot, employee, client
        self.delays: list[tuple[float, float]] = []  # (when, seconds)
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            for sender, receiver, text in (
                (self.employee, self.client, f"ping {n}"),
                (self.client, self.employee, f"pong {n}"),
            ):
                sent = time.monotonic()
                await sender.send_text(text)
                await receiver.wait_text(text, timeout=15)
                self.delays.append((sent, time.monotonic() - sent))
            await asyncio.sleep(0.6)  # ~1.6 messages a second into each chat: under its rate of 2

    def stop(self) -> None:
        self._stop.set()

    def during(self, start: float, end: float) -> list[float]:
        return [delay for when, delay in self.delays if start <= when <= end]


async def test_barcode_and_plate_photos_open_orders_while_others_keep_talking(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, photos: Photos
) -> None:
    write_order(orders_dir, BARCODE_ORDER, barcode=photos.code)
    bot = await bot_factory(branch_photo=orders_dir, send_rate_per_chat=2.0)
    employee = emulator.add_user(first_name="Пётр", phone="+375291110001")
    colleague = emulator.add_user(first_name="Иван", phone="+375291110002")
    client = emulator.add_user(first_name="Клиент", phone=CHAT_CLIENT_PHONE)
    await connect_as(bot, employee, 2, name="Пётр Мастер")
    await connect_as(bot, colleague, 2, name="Иван Мастер")
    await connect(client)

    # the colleague takes CHAT_ORDER by typing its number, then keeps talking with its client
    await start_search(colleague, "Поиск по части номера", "часть номера")
    await colleague.send_text(CHAT_ORDER)  # the only match: opened at once
    await opened(bot, colleague, CHAT_ORDER)
    chatter = Chatter(bot, colleague, client)
    talking = asyncio.create_task(chatter.run())
    try:
        # the barcode on the order sheet
        await start_search(employee, "Сканировать штрих-код", "штрих-код на листе заказ-наряда")
        started = time.monotonic()
        await employee.send_photo(photos.barcode)
        await opened(bot, employee, BARCODE_ORDER)
        barcode_span = (started, time.monotonic())

        # the plate before any order has it: shown as read, never as a match; the employee retries
        await start_search(employee, "Фото госномера", "так, чтобы был виден госномер")
        employee.chat_actions.clear()
        await employee.send_photo(photos.plate)
        answer = await employee.wait_text("но открытого заказ-наряда с ним нет", timeout=20)
        assert "Распознан номер" in answer.content and plate_display(photos.plate_text) in answer.content
        assert employee.chat_actions[:1] == ["typing"], "the employee sees at once that it runs"
        assert current_order(bot, employee) == BARCODE_ORDER, "no other order was opened"
        await employee.press_button("Сфотографировать ещё раз")
        await employee.wait_text("так, чтобы был виден госномер")

        # now its folder appears: the bot finds it by rescanning the folders
        write_order(orders_dir, PLATE_ORDER, plate=plate_display(photos.plate_text))
        started = time.monotonic()
        await employee.send_photo(photos.plate)
        await opened(bot, employee, PLATE_ORDER)
        plate_span = (started, time.monotonic())
        await asyncio.sleep(0.5)
    finally:
        chatter.stop()
        await talking
    during = chatter.during(*barcode_span) + chatter.during(*plate_span)
    assert during, f"no chat message was exchanged during recognition: {chatter.delays}"
    # the chats stay under their send rate, so no message waits for a slot; none waits on OCR either
    delays = [delay for _, delay in chatter.delays]
    assert statistics.median(delays) < 0.6 and max(delays) < 3.0, delays

    # a photo after the order is open is filed as media again, not searched
    await stage_chosen(employee, await employee.press_button("Прием автомобилей"), "Прием автомобилей")
    await employee.send_photo(photos.plate)
    await employee.wait_for(lambda m: "Сохранено" in m.content, timeout=30)


async def test_nothing_found_typed_plates_bad_photos_and_missing_tesseract(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, photos: Photos
) -> None:
    write_order(orders_dir, BARCODE_ORDER, barcode=photos.code)
    write_order(orders_dir, PLATE_ORDER, plate=plate_display(photos.plate_text))
    bot = await bot_factory(
        branch_photo=orders_dir,
        send_rate_per_chat=2.0,
        extra_env={
            "OCR_ENGINE": "tesseract",
            "BRANCH_TESSERACT": str(orders_dir.parent / "no-such-tesseract"),
        },
    )
    first = emulator.add_user(first_name="Пётр", phone="+375291110001")
    second = emulator.add_user(first_name="Иван", phone="+375291110002")
    await asyncio.gather(connect_as(bot, first, 2), connect_as(bot, second, 2))
    # two employees at once (Telegram paces each chat, not the two together)
    await asyncio.gather(nothing_found_then_typed(bot, first, photos), bad_photos(bot, second, photos))
    assert bot.output_text().count("Plates recognition is unavailable") == 1


async def nothing_found_then_typed(bot: BotProcess, employee: SimUser, photos: Photos) -> None:
    # a barcode no open order has: says what was read, offers the other ways
    await start_search(employee, "Сканировать штрих-код", "Сфотографируйте штрих-код")
    await employee.send_photo(photos.other_barcode)
    answer = await employee.wait_text("но открытого заказ-наряда с ним нет", timeout=20)
    assert photos.other_code in answer.content
    labels = [text for text, _ in answer.buttons()]
    assert labels == ["🔁 Сфотографировать ещё раз", "⌨️ Ввести номер вручную", "📅 Календарь"]

    # type it instead: nothing, then a plate written with Cyrillic letters, lower case
    await employee.press_button("Ввести номер вручную")
    await employee.wait_text("Введите госномер")
    await employee.send_text("no-such-order")
    await employee.wait_text("открытых заказ-нарядов нет")
    await employee.send_text(plate_display(photos.plate_text).translate(CYRILLIC))
    await opened(bot, employee, PLATE_ORDER)

    # in the plate state a typed plate (the fixture's "0434 МН-1") is searched at once
    await start_search(employee, "Фото госномера", "виден госномер")
    await employee.send_text("0434mh1")
    await opened(bot, employee, CHAT_ORDER)

    # the calendar button goes back to the calendar
    await employee.press_button("Календарь")
    await employee.wait_text("В календаре точкой")


async def bad_photos(bot: BotProcess, employee: SimUser, photos: Photos) -> None:
    # an image sent as a file works like a photo
    await start_search(employee, "Сканировать штрих-код", "Сфотографируйте штрих-код")
    await employee.send_document(photos.barcode, file_name="scan.jpg", mime_type="image/jpeg")
    await opened(bot, employee, BARCODE_ORDER)

    # a corrupt photo, then "try again"
    await start_search(employee, "Фото госномера", "виден госномер")
    await employee.send_photo(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    await employee.wait_text("Не удалось прочитать фото")
    await employee.press_button("Сфотографировать ещё раз")
    await employee.wait_text("виден госномер")

    # tesseract missing: the employee is told and offered the other ways (ops: one log line, above)
    await employee.send_photo(photos.plate)
    answer = await employee.wait_text("сейчас недоступен", timeout=30)
    assert [text for text, _ in answer.buttons()] == ["⌨️ Ввести номер вручную", "📅 Календарь"]
    await start_search(employee, "Фото госномера", "виден госномер")
    await employee.send_photo(photos.plate)
    await employee.wait_text("сейчас недоступен", timeout=30)
    # typing still works in that state
    await employee.send_text("r-bc")
    await opened(bot, employee, BARCODE_ORDER)

    # /cancel leaves the search; a photo afterwards is media again
    await start_search(employee, "Сканировать штрих-код", "Сфотографируйте штрих-код")
    await employee.send_text("/cancel")
    await employee.wait_text("Действие отменено")
    await employee.send_photo(photos.barcode)
    await employee.wait_text("Получено: 1 файл")  # media: an order is chosen, its stage is not: held
