"""Bad input end to end, with a bot of its own: BRANCH_PHOTO points to a folder that does not exist
(an unmounted share). The bot starts, /order says the orders folder is unavailable, nothing crashes.
And the share as hostile input: a FIFO content.txt, a stage folder that is a link out of the share."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import ORDER, blob, choose_by_calendar, choose_stage, staff, wait_report
from tests.e2e.helpers import add_order, connect_as, db_rows
from tests.emulator import TelegramEmulator


async def test_missing_orders_folder_is_reported_and_nothing_crashes(
    emulator: TelegramEmulator, bot_factory: BotFactory, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-share" / "Photo"
    proc = await bot_factory(extra_env={"BRANCH_PHOTO": str(missing)})
    employee = emulator.add_user(first_name="Мастер", phone="+375292200061")
    await connect_as(proc, employee, 2)
    await employee.send_text("/order")
    await employee.wait_text("Папка с заказ-нарядами сейчас недоступна")
    calendar = await employee.wait_text("Выберите заказ-наряд")
    search = next(data for text, data in calendar.buttons() if "Поиск" in text)
    await employee.press(search, calendar.message_id)
    await employee.wait_text("часть номера")
    await employee.send_text("a000")
    await employee.wait_text("нет")
    await employee.send_text("/cancel")
    await employee.wait_text("отменено")
    await employee.send_photo(blob("nowhere"))
    await employee.wait_text("Получено: 1 файл")  # held for the next order and stage, not lost
    assert proc.running
    assert not missing.exists(), "the bot does not invent the share"
    assert "Traceback" not in proc.output_text()


BACKSLASHED = "a000190201\\b"  # a plain character in a Linux folder name
needs_posix = pytest.mark.skipif(os.name == "nt" or not hasattr(os, "mkfifo"), reason="POSIX FIFOs/links")


@needs_posix
async def test_fifo_content_linked_stage_folder_backslash_and_long_names(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, tmp_path: Path
) -> None:
    add_order(orders_dir, BACKSLASHED, "+375298943599")
    stalled = add_order(orders_dir, "a000190200")
    os.mkfifo(stalled / "content.txt")  # nobody writes into it: a blocking read would hang /order
    outside = tmp_path / "outside"
    outside.mkdir()
    (orders_dir / ORDER / "Inspection").rename(orders_dir / ORDER / "Inspection-old")
    (orders_dir / ORDER / "Inspection").symlink_to(outside, target_is_directory=True)
    bot = await bot_factory(branch_photo=orders_dir)
    employee = await staff(bot, emulator, "+375292200062")

    await choose_by_calendar(employee)  # /order answers despite the FIFO
    await choose_stage(employee)
    await employee.send_photo(blob("through-the-link"))
    report = await wait_report(employee)
    assert "ссылка" in report.content and "Ничего не сохранено" in report.content
    assert list(outside.iterdir()) == [], "nothing written outside BRANCH_PHOTO"
    assert db_rows(bot, "SELECT problem FROM orders WHERE number = 'a000190200'") == [("malformed",)]

    # an order folder with a backslash in its name and a 400-byte emoji document name: saved
    await choose_by_calendar(employee, BACKSLASHED)
    await choose_stage(employee)
    long_name = "📄" * 100 + ".pdf"
    await employee.send_document(b"%PDF-1.4 act", long_name)
    report = await wait_report(employee)
    assert "Сохранено: 1 файл" in report.content, report.content
    [saved] = list((orders_dir / BACKSLASHED / "Inspection").iterdir())
    assert saved.read_bytes() == b"%PDF-1.4 act" and saved.suffix == ".pdf"
    assert saved.name.startswith("📄") and len(saved.name.encode()) <= 200
    assert bot.running and "Traceback" not in bot.output_text()
    assert sum("a link" in line for line in bot.log_tail(400).splitlines()) >= 1
