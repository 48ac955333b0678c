"""A photo the client sends about an open order reaches the employee and is kept in the order folder;
files copied into the order folder by hand reach the client once (never from Service/ or Client/)."""

from __future__ import annotations

import io
import sqlite3
import time
from pathlib import Path

from tests.e2e.conftest import BotFactory
from tests.e2e.flows import blob, choose_by_calendar, choose_stage, staff, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows, set_user
from tests.emulator import TelegramEmulator

ORDER = "a000177322"
CLIENT_PHONE = "+375298943508"


async def test_client_photo_is_forwarded_and_filed(emulator: TelegramEmulator, bot: BotProcess) -> None:
    employee = emulator.add_user(first_name="Мастер", phone="+375447000009")
    client = emulator.add_user(first_name="Владелец", phone=CLIENT_PHONE)
    await connect(employee)
    await connect(client)
    set_user(bot, employee.id, level=2, name="Пётр Мастеров")
    await emulator.wait_until(lambda: bool(db_rows(bot, "SELECT 1 FROM orders WHERE number = ?", (ORDER,))))
    order_id = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (ORDER,))[0][0]
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO work_context (telegram_id, order_id, type_label, updated_at)"
            " VALUES (?, ?, 'Прием автомобилей', ?)",
            (employee.id, order_id, time.time()),
        )
    await employee.send_text("Пришлите, пожалуйста, фото документов")
    await client.wait_text("Пришлите, пожалуйста")
    photo = b"\xff\xd8\xff\xe0client-photo" * 100
    await client.send_photo(photo, caption="вот <техпаспорт>")
    forwarded = await employee.wait_for(lambda m: m.kind == "photo", timeout=15)
    assert "вот <техпаспорт>" in forwarded[0].content and ORDER in forwarded[0].content
    folder = bot.branch_photo / ORDER / "Client"
    await emulator.wait_until(lambda: folder.is_dir() and any(folder.iterdir()), timeout=10)
    [saved] = list(folder.iterdir())
    assert saved.read_bytes() == photo
    protocol = bot.branch_photo / ORDER / f"recording_dialog_{ORDER}.txt"
    await emulator.wait_until(lambda: protocol.is_file() and "Client/" in protocol.read_text("utf-8"))
    assert "вот <техпаспорт>" in protocol.read_text("utf-8")


def _jpeg(color: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return buffer.getvalue()


def _copy_by_hand(path: Path, data: bytes) -> None:
    """A file put into the share by someone else (growth while copying: tests/unit/test_folder_files.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def test_files_copied_into_the_order_folder_reach_the_client_once(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, tmp_path: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir, extra_env={"ORDER_RESCAN_SECONDS": "1.5"})
    client = emulator.add_user(first_name="Владелец", phone=CLIENT_PHONE)
    await connect(client)
    order = orders_dir / ORDER
    photo, second = _jpeg("red"), _jpeg("white")
    _copy_by_hand(order / "Service" / "internal.jpg", _jpeg("blue"))  # never to the client
    _copy_by_hand(order / "Client" / "own.jpg", _jpeg("green"))  # the client's own upload
    _copy_by_hand(order / "Inspection" / "~$draft.docx", b"office lock file")
    _copy_by_hand(order / "Inspection" / "Thumbs.db", b"thumbnails")
    staging = tmp_path / "camera"  # a whole stage folder appears at once (moved in, two photos)
    _copy_by_hand(staging / "by-hand.jpg", photo)
    _copy_by_hand(staging / "by-hand-2.jpg", second)
    staging.rename(order / "BodyDamage")
    got = await client.wait_for(lambda m: m.kind == "photo", count=2, timeout=30)
    assert sorted(emulator.file_bytes(m.file_id) for m in got) == sorted([photo, second])
    assert got[0].media_group_id is not None and got[0].media_group_id == got[1].media_group_id, "an album"
    assert any(ORDER in m.content and "Кузовные повреждения" in m.content for m in got)

    # the bot's own file: sent once when filed, never again by the watcher
    employee = await staff(bot, emulator, "+375291110081")
    await choose_by_calendar(employee)
    await choose_stage(employee)
    await employee.send_photo(blob("filed-by-the-bot"))
    await wait_report(employee)
    await client.wait_for(lambda m: m.kind == "photo" and "Пётр" in m.content, timeout=30)

    await bot.stop()
    await bot.start()
    document = b"%PDF-1.4 recommendation"
    _copy_by_hand(order / "Inspection" / "Рекомендации.pdf", document)
    [doc] = await client.wait_for(lambda m: m.kind == "document", timeout=30)
    assert doc.file_name == "Рекомендации.pdf" and emulator.file_bytes(doc.file_id) == document
    assert [m.kind for m in client.messages if m.kind != "text"] == ["photo"] * 3 + ["document"], (
        "nothing twice after the restart, nothing from Service/ or Client/, no temp files, not the"
        " bot's own photo again, not the fixture's existing_front.jpg (there before the bot)"
    )
    protocol = order / f"recording_dialog_{ORDER}.txt"
    await emulator.wait_until(lambda: "Inspection/Рекомендации.pdf" in protocol.read_text("utf-8"))
    assert "BodyDamage/by-hand.jpg" in protocol.read_text("utf-8")
