"""Orders and media across a restart: files filed before the client connected reach them once, and the
employee's order and stage survive a restart. Its own bot (it is stopped and started again)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import (
    CLIENT_PHONE,
    ORDER,
    blob,
    choose_by_calendar,
    choose_stage,
    largest,
    staff,
    wait_report,
)
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect
from tests.emulator import TelegramEmulator


@pytest.fixture
async def bot(bot_factory: BotFactory, orders_dir: Path) -> BotProcess:
    return await bot_factory(branch_photo=orders_dir, send_rate_per_chat=3.0)


async def test_backlog_reaches_late_client_once_and_work_survives_restart(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    employee = await staff(bot, emulator, "+375291110001")
    await choose_by_calendar(employee)
    await choose_stage(employee)
    first = await employee.send_photo(blob("early-1"), caption="до подключения")
    report = await wait_report(employee)
    assert "не подключен" in report.content
    album = await employee.send_album([("photo", blob("early-2")), ("photo", blob("early-3"))])
    report = await wait_report(employee)
    assert "Сохранено: 2 файла" in report.content and ORDER in report.content
    await employee.send_photo(blob("early-4"))
    await wait_report(employee)
    await employee.send_text("/type")
    await employee.wait_text("Выберите тип действия")
    await choose_stage(employee, "Для сервисных нужд")
    await employee.send_photo(blob("service-only"))
    await wait_report(employee)

    client = emulator.add_user(first_name="Поздний", phone=CLIENT_PHONE)
    await connect(client)
    await client.wait_text("Пока вы не были подключены")
    got = await client.wait_for(lambda m: m.kind == "photo", count=4, timeout=30)
    assert [m.file_id for m in got[:3]] == [largest(first), *(largest(part) for part in album)]
    assert "до подключения" in got[0].content and ORDER in got[0].content

    await bot.stop()
    await bot.start()
    pin = employee.pinned
    assert pin is not None and ORDER in pin.content and "Для сервисных нужд" in pin.content
    await employee.send_text("/type")
    await employee.wait_text(ORDER)

    client.mark()
    await client.send_text("/start")
    await client.wait_text("уже подключены")
    await client.send_contact()
    await client.wait_text("Вы подключены")
    await asyncio.sleep(1.5)
    assert sum(1 for m in client.messages if m.kind == "photo") == 4, "nothing twice"
    assert not any("Пока вы не были подключены" in m.content for m in client.messages[client._cursor :])
    assert not [p for p in (orders_dir / ORDER).rglob("*.part")]
    assert len(list((orders_dir / ORDER / "Service").iterdir())) == 1
