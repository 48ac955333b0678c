"""Orders and media end to end: /order (calendar, search), the stage, filing photos/videos/documents
and albums into the order folder, delivery to the client, the report.

One bot for the module (see conftest): each test brings its own employee, client and order folder.
The backlog across a restart is in test_orders_restart.py (it needs its own bot)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.flows import (
    CLIENT_PHONE,
    ORDER,
    STAGE,
    blob,
    choose_by_calendar,
    choose_stage,
    largest,
    staff,
    wait_report,
)
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, db_rows
from tests.emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

MB = 1024 * 1024

SHARED_BOT = {"send_rate_per_chat": 3.0}


MEDIA_OF_ORDER = "SELECT COUNT(*) FROM media WHERE rel_path LIKE ?"


async def test_calendar_search_stage_and_media_reach_folder_and_client(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    for n in range(21):  # enough look-alike open orders to make a search too broad (seen on /order)
        (orders_dir / f"z1{n:04d}").mkdir(exist_ok=True)
    employee = await staff(bot, emulator, "+375291110001")
    client = emulator.add_user(first_name="Клиент", phone=CLIENT_PHONE)
    await connect(client)

    await employee.send_text("/type")
    await employee.wait_text("Сначала выберите заказ-наряд")

    # by part of the number: nothing, too many, then one
    await employee.send_text("/order")
    await employee.wait_text("Выберите заказ-наряд")
    await employee.press_button("Поиск по части номера")
    await employee.wait_text("часть номера")
    await employee.send_text("nothing-like-it")
    await employee.wait_text("нет")
    await employee.send_text("z1")
    await employee.wait_text("Уточните")
    await employee.send_text("7732")  # the only open order with it: opened at once, no list to tap
    card = await employee.wait_text("Выберите тип действия")
    assert ORDER in card.content and "0434 MH-1" in card.content
    await employee.wait_until(lambda: employee.pinned is not None and ORDER in employee.pinned.content)

    # forged / stale buttons are refused politely
    await employee.press("or:o:999999:0")
    await employee.wait_until(
        lambda: any("закрыт или не найден" in (a["text"] or "") for a in employee.callback_answers)
    )

    # by the calendar
    await choose_by_calendar(employee)
    await choose_stage(employee)
    pin = employee.pinned
    assert ORDER in pin.content and STAGE in pin.content
    assert len(employee.pinned_ids) == 1, "the old pin is replaced"

    # a photo with a caption
    photo = await employee.send_photo(blob("photo-1"), caption="Скол <на> бампере & фаре")
    report = await wait_report(employee)
    assert "Сохранено: 1 файл" in report.content and ORDER in report.content
    assert "Отправлено клиенту" in report.content
    assert report.raw["reply_to_message"]["message_id"] == photo["message_id"]
    got = await client.wait_for(lambda m: m.kind == "photo")
    assert got[0].file_id == largest(photo)
    for part in (ORDER, STAGE, "Пётр Мастер", "Автосервис Тест", "Скол <на> бампере & фаре"):
        assert part in got[0].content

    # a video and a document
    video = await employee.send_video(blob("video-1", 5000), file_name="clip.mp4")
    await wait_report(employee)
    document = await employee.send_document(blob("pdf"), file_name="Акт приёмки.pdf")
    await wait_report(employee)
    got = await client.wait_for(lambda m: m.kind in ("video", "document"), count=2)
    assert [m.file_id for m in got] == [largest(video), largest(document)]

    # an album of 12 photos: one report, the client gets 10 + 2
    album = await employee.send_album([("photo", blob(f"album-{i}")) for i in range(12)], caption="Общий вид")
    report = await wait_report(employee)
    assert "Сохранено: 12 файлов" in report.content
    got = await client.wait_for(
        lambda m: m.kind == "photo" and m.media_group_id is not None, count=12, timeout=30
    )
    assert [m.file_id for m in got] == [largest(part) for part in album]
    assert len({m.media_group_id for m in got}) == 2

    folder = orders_dir / ORDER / "Inspection"
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert not [name for name in saved if name.endswith(".part")]
    assert saved["Акт приёмки.pdf"] == blob("pdf")
    assert blob("photo-1") in saved.values() and blob("video-1", 5000) in saved.values()
    assert all(blob(f"album-{i}") in saved.values() for i in range(12))
    assert any(name.endswith(f"_{photo['message_id']}.jpg") for name in saved)
    rows = db_rows(bot, "SELECT COUNT(*) FROM media WHERE rel_path LIKE ?", (f"{ORDER}/Inspection/%",))
    assert rows[0][0] == 15
    protocol = db_rows(
        bot,
        "SELECT COUNT(*) FROM protocol WHERE kind IN ('photo', 'video', 'document') AND sender_id = ?",
        (employee.id,),
    )
    assert protocol[0][0] == 15
    assert db_rows(bot, "SELECT staff_id FROM client_contacts WHERE client_id = ?", (client.id,)) == [
        (employee.id,)
    ]


async def test_service_type_unsafe_names_big_files_retries_and_removed_folder(
    emulator: TelegramEmulator, bot: BotProcess, orders_dir: Path
) -> None:
    order, phone = "b000200002", "+375297000202"  # this test's own order: its folder is removed below
    add_order(orders_dir, order, phone)
    employee = await staff(bot, emulator, "+375291110002")
    client = emulator.add_user(first_name="Клиент", phone=phone)
    await connect(client)
    await employee.send_photo(blob("no-order"))
    await employee.wait_text("Выберите заказ-наряд (/order)")  # held until an order and a stage (12.3)
    await choose_by_calendar(employee, order)  # /order rescans: the new folder is listed
    await employee.send_photo(blob("no-stage"))
    await employee.wait_text("Получено: 1 файл")  # held, the stage asked with buttons (issue 12.3)
    await choose_stage(employee, "Для сервисных нужд")
    for _ in range(2):  # the held photos, filed once the stage was tapped
        report = await wait_report(employee)
        assert "сервисных нужд" in report.content and "клиенту не отправлено" in report.content

    await employee.send_photo(blob("service"))
    report = await wait_report(employee)
    assert "сервисных нужд" in report.content and "клиенту не отправлено" in report.content
    assert (orders_dir / order / "Service").is_dir()

    await employee.send_text("/type")
    await employee.wait_text("Выберите тип действия")
    await choose_stage(employee, "Прочее")
    await employee.send_document(b"evil", file_name="../../evil.txt")
    await wait_report(employee)
    assert (orders_dir / order / "Other" / "evil.txt").read_bytes() == b"evil"
    assert not (orders_dir / "evil.txt").exists() and not (orders_dir.parent / "evil.txt").exists()

    await employee.send_document(b"", file_name="huge.mov", declared_size=25 * MB)
    report = await wait_report(employee)
    assert "больше 20 МБ" in report.content

    failed_before = emulator.count("sendMediaGroup", 500)
    emulator.fail_next("sendMediaGroup", 500, count=2)
    await employee.send_album([("photo", blob(f"r-{i}")) for i in range(3)])
    await wait_report(employee)
    got = await client.wait_for(lambda m: m.media_group_id is not None, count=3, timeout=30)
    assert len(got) == 3
    assert emulator.count("sendMediaGroup", 500) - failed_before == 2

    kinds = [m.kind for m in client.messages if m.kind != "text"]
    assert kinds == ["document", "photo", "photo", "photo"], "the service photo stayed on the server"
    assert db_rows(bot, MEDIA_OF_ORDER, (f"{order}/%",))[0][0] == 7

    shutil.rmtree(orders_dir / order)
    await employee.send_photo(blob("gone"))
    await employee.wait_text("заказ-наряд закрыт или его папка удалена")
    assert not (orders_dir / order).exists()
    assert db_rows(bot, MEDIA_OF_ORDER, (f"{order}/%",))[0][0] == 7
