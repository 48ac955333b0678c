"""Files sent before the stage survive a restart: held in SQLite, filed and delivered once after the tap.

Its own bot (it is stopped and started again between the photos and the tap)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import (
    CLIENT_PHONE,
    ORDER,
    STAGE,
    blob,
    largest,
    open_by_search,
    staff,
    stage_chosen,
    wait_report,
)
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect
from tests.emulator import TelegramEmulator


@pytest.fixture
async def bot(bot_factory: BotFactory, orders_dir: Path) -> BotProcess:
    return await bot_factory(branch_photo=orders_dir, send_rate_per_chat=3.0)


async def test_photo_and_album_held_before_the_stage_survive_a_restart(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    employee = await staff(bot, emulator, "+375291450001")
    client = emulator.add_user(first_name="Клиент", phone=CLIENT_PHONE)
    await connect(client)
    folder = orders_dir / ORDER / "Inspection"
    before = set(folder.iterdir()) if folder.is_dir() else set()
    await open_by_search(employee)
    photo = await employee.send_photo(blob("held-1"), caption="до перезапуска")
    await employee.wait_text("Получено: 1 файл")
    album = await employee.send_album([("photo", blob("held-2")), ("photo", blob("held-3"))])
    held = await employee.wait_text("Получено: 2 файла")

    await bot.stop()
    await bot.start()

    await stage_chosen(
        employee,
        await employee.press(next(data for text, data in held.buttons() if text == STAGE), held.message_id),
        STAGE,
    )
    reports = [await wait_report(employee), await wait_report(employee)]
    assert ["Сохранено: 1 файл" in reports[0].content, "Сохранено: 2 файла" in reports[1].content] == [
        True
    ] * 2
    got = await client.wait_for(lambda m: m.kind == "photo", count=3, timeout=30)
    assert [m.file_id for m in got] == [largest(photo), *(largest(part) for part in album)]
    wanted = sorted(blob(f"held-{i}") for i in (1, 2, 3))
    assert sorted(p.read_bytes() for p in set(folder.iterdir()) - before) == wanted

    # another restart and the old stage keyboard tapped again: nothing filed or sent twice
    await bot.stop()
    await bot.start()
    await stage_chosen(
        employee,
        await employee.press(next(data for text, data in held.buttons() if text == STAGE), held.message_id),
        STAGE,
    )
    await asyncio.sleep(1.5)  # what a second filing would have sent by now
    assert sum(1 for m in client.messages if m.kind == "photo") == 3
    assert len(set(folder.iterdir()) - before) == 3
    assert not [m for m in employee.messages if "ещё раз" in m.content or "не сохранён" in m.content]
