"""With a local Bot API server (TELEGRAM_API_LOCAL), files over the cloud's 20 MB are filed and sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN, BotFactory
from tests.e2e.flows import CLIENT_PHONE, ORDER, choose_by_calendar, choose_stage, staff, wait_report
from tests.e2e.helpers import connect
from tests.emulator import TelegramEmulator

MB = 1024 * 1024


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    """This module's emulator plays a local server: getFile answers with a path on its disk."""
    emu = TelegramEmulator(token=TOKEN, flood_control=True, local_mode=True)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


async def test_a_25_mb_video_is_filed_and_reaches_the_client(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir)
    employee = await staff(bot, emulator, "+375447000029")
    client = emulator.add_user(first_name="Владелец", phone=CLIENT_PHONE)
    await connect(client)
    await choose_by_calendar(employee)
    await choose_stage(employee)

    head = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
    await employee.send_document(head, file_name="приемка.mp4", mime_type="video/mp4", declared_size=25 * MB)
    report = await wait_report(employee, timeout=60)
    assert "Сохранено" in report.content and "больше 20 МБ" not in report.content
    [saved] = list((orders_dir / ORDER / "Inspection").glob("*.mp4"))
    assert saved.stat().st_size == 25 * MB and saved.read_bytes()[: len(head)] == head
    delivered = await client.wait_for(lambda m: m.kind == "document", timeout=30)
    assert delivered[0].file_id is not None  # sent on by file_id: nothing re-uploaded
