"""Bad input end to end, with a bot of its own: BRANCH_PHOTO points to a folder that does not exist
(an unmounted share). The bot starts, /order says the orders folder is unavailable, nothing crashes."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import blob
from tests.e2e.helpers import connect_as
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
    await employee.wait_text("сначала выберите заказ-наряд")
    assert proc.running
    assert not missing.exists(), "the bot does not invent the share"
    assert "Traceback" not in proc.output_text()
