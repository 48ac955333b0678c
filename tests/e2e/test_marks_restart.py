"""A mark's note prompt survives a restart (the FSM lives in SQLite): the text typed after the bot came
back is the note, not a message to the owner. Its own bot (it is stopped and started again)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import CLIENT_PHONE, blob, choose_by_calendar, choose_stage, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows
from tests.emulator import TelegramEmulator


@pytest.fixture
async def bot(bot_factory: BotFactory, orders_dir: Path) -> BotProcess:
    return await bot_factory(branch_photo=orders_dir)


async def test_the_note_prompt_survives_a_restart(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    employee = await staff(bot, emulator, "+375291110001")
    owner = emulator.add_user(first_name="Клиент", phone=CLIENT_PHONE)
    await connect(owner)
    await choose_by_calendar(employee)
    await choose_stage(employee)
    await employee.send_photo(blob("restart-1"))
    report = await wait_report(employee)
    await owner.wait_for(lambda m: m.kind == "photo")
    button = next(data for text, data in report.buttons() if "срочно" in text)
    await employee.press(button, report.message_id)
    followup = await owner.wait_text("Отметка мастера к фото — срочно")
    await employee.wait_until(lambda: "заметку" in report.content)

    await bot.stop()
    await bot.start()
    await employee.send_text("течь антифриза")
    await employee.wait_until(lambda: "течь антифриза" in report.content and "заметку" not in report.content)
    await owner.wait_until(lambda: "течь антифриза" in followup.content)
    assert db_rows(bot, "SELECT mark, note FROM media_marks") == [("now", "течь антифриза")]
    assert not [m for m in owner.messages if m.content == "течь антифриза"]
