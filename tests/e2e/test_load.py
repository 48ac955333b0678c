"""Load and faults, end to end: albums to three clients under flood control, 30% failed sends."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.e2e.conftest import BotFactory
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows, rescan, set_user
from tests.emulator import SimUser, TelegramEmulator

STAGE = "Прием автомобилей"


def _photo(owner: int, index: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + owner.to_bytes(4, "big") + index.to_bytes(4, "big") * 1500


async def _pairs(emulator: TelegramEmulator, bot: BotProcess, count: int) -> list[tuple[SimUser, SimUser]]:
    pairs = []
    for index in range(count):
        folder = bot.branch_photo / f"load{index}"
        folder.mkdir()
        phone = f"+37529555000{index}"
        (folder / "content.txt").write_text(json.dumps({"order": folder.name, "phone": phone}), "utf-8")
        employee = emulator.add_user(first_name=f"Мастер{index}", phone=f"+37544555000{index}")
        client = emulator.add_user(first_name=f"Клиент{index}", phone=phone)
        await connect(employee)
        await connect(client)
        set_user(bot, employee.id, level=2, name=f"Мастер {index}")
        pairs.append((employee, client))
    await rescan(pairs[0][0])  # /order rescans the folders made above
    await emulator.wait_until(lambda: _indexed(bot, count), timeout=30)
    for index, (employee, _) in enumerate(pairs):
        order_id = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (f"load{index}",))[0][0]
        _set_context(bot, employee.id, order_id)
    return pairs


def _indexed(bot: BotProcess, count: int) -> bool:
    rows = db_rows(bot, "SELECT COUNT(*) FROM orders WHERE number LIKE 'load%' AND is_open = 1")
    return rows[0][0] >= count


def _set_context(bot: BotProcess, employee_id: int, order_id: int) -> None:
    import sqlite3

    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO work_context (telegram_id, order_id, type_label, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (employee_id, order_id, STAGE, time.time()),
        )


def _photos_received(client: SimUser) -> list[str]:
    return [m.file_unique_id or "" for m in client.messages if m.kind == "photo"]


async def test_three_albums_of_30_under_flood_control(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=30, send_rate_per_chat=1)
    pairs = await _pairs(emulator, bot, 3)
    assert emulator.flood_control

    async def shoot(owner: int, employee: SimUser) -> None:
        for part in range(3):
            await employee.send_album([("photo", _photo(owner, part * 10 + i)) for i in range(10)])
            await asyncio.sleep(0.1)

    async def chat(client: SimUser) -> None:
        for line in range(5):
            await client.send_text(f"вопрос {line}")
            await asyncio.sleep(0.5)

    started = time.monotonic()
    await asyncio.gather(
        *(shoot(i, employee) for i, (employee, _) in enumerate(pairs)),
        *(chat(client) for _, client in pairs),
    )
    for _, client in pairs:
        await emulator.wait_until(lambda c=client: len(set(_photos_received(c))) >= 30, timeout=120)
    elapsed = time.monotonic() - started
    throttled = emulator.count(status=429)
    print(f"3 × 30 photos delivered in {elapsed:.1f} s, 429 answers: {throttled}")
    for index, (employee, client) in enumerate(pairs):
        received = _photos_received(client)
        assert len(received) == len(set(received)) == 30, f"client {index}: {len(received)} photos"
        saved = [p for p in (bot.branch_photo / f"load{index}" / "Inspection").iterdir()]
        assert len(saved) == 30
        await employee.wait_text("вопрос 4", timeout=60)  # the client's chat reached the employee too
    assert throttled <= 3


async def test_every_file_and_message_arrives_despite_30_percent_faults(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=0, send_rate_per_chat=0)
    emulator.flood_control = False
    [(employee, client)] = await _pairs(emulator, bot, 1)
    emulator.fault_rate = 0.3
    for index in range(6):
        await employee.send_photo(_photo(7, index), caption=f"фото {index}")
        await employee.send_text(f"сообщение #{index}")
    await emulator.wait_until(lambda: len(set(_photos_received(client))) >= 6, timeout=180)
    await emulator.wait_until(
        lambda: all(any(f"сообщение #{i}" in m.content for m in client.messages) for i in range(6)),
        timeout=180,
    )
    await asyncio.sleep(2)
    emulator.fault_rate = 0.0
    photos = _photos_received(client)
    texts = [m.content for m in client.messages if "сообщение #" in m.content]
    duplicates = (len(photos) - len(set(photos))) + (len(texts) - len(set(texts)))
    faults = sum(1 for call in emulator.calls if call.status != 200)
    print(f"30% faults: {faults} failed calls, 6 photos + 6 texts delivered, duplicates: {duplicates}")
    assert len(set(photos)) == 6 and len(set(texts)) == 6
    files = list((Path(bot.branch_photo) / "load0" / "Inspection").iterdir())
    assert len(files) == 6
