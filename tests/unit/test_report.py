"""The order's PDF report (services/inspection/report.py): built for a fixture order with marks,
statuses and recommendations written straight into SQLite, then read back from the PDF."""

from __future__ import annotations

import dataclasses
import io
import re
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image
from pypdf import PdfReader

from config import Settings, load_settings
from database.connection import Database
from database.folder_files import WatchedOrder
from database.media import MediaRepo, NewMedia
from database.orders import NewOrder, Order, OrderData, OrderRepo
from database.outbox import Method
from database.report import ReportRepo
from database.users import UserRepo
from services.folder_watch.walk import walk_order
from services.inspection.report import OrderReports, ReportUnavailable, mask_phone, report_name
from tests.unit.fakes import FakeOutbox, FakeProtocol

NUMBER = "R-100"
PHONE = "+375291234567"
STAFF_ID, OWNER_ID = 501, 777


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (1600, 1200)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    image.paste((255 - colour[0], 0, 0), (0, 0, size[0] // 3, size[1] // 3))  # not a flat colour
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = load_settings({"BOT_TOKEN": "1:abcdef"}, env_file=None)
    return dataclasses.replace(base, branch_photo=tmp_path / "Photo", organization_name="Автоцентр Тест")


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


async def add_file(
    db: Database, root: Path, order: Order, folder: str, name: str, kind: str, data: bytes
) -> int:
    rel = f"{order.number}/{folder}/{name}"
    (root / order.number / folder).mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    record = await MediaRepo(db).add(
        NewMedia(
            dedup_key=f"t:{rel}", order_id=order.id, type_label=folder, subfolder=folder, rel_path=rel,
            file_id=f"f-{name}", kind=kind, caption="", employee_id=STAFF_ID, chat_id=STAFF_ID,
            message_id=len(name), media_group_id=None, size=len(data), hidden=folder == "Service",
        )
    )  # fmt: skip
    return record.id


@pytest_asyncio.fixture
async def order(db: Database, settings: Settings) -> Order:
    """An order with 5 Inspection photos (2 marked), a marked video, a Service photo, a client's own
    photo, a photo in a folder TYPE_ORDER does not name, 3 statuses and 3 recommendations."""
    root = settings.branch_photo
    (root / NUMBER).mkdir(parents=True)
    data = OrderData(NUMBER, None, PHONE, PHONE, "1234AB7", None, 1, 2, 3)
    await OrderRepo(db).apply_scan(
        added=[NewOrder(data, date.today(), 1)], changed=[], reopened=[], closed=[], now=1
    )
    found = await OrderRepo(db).get_by_number(NUMBER)
    assert found is not None
    ids = [
        await add_file(db, root, found, "Inspection", f"p{i}.jpg", "photo", jpeg((40 * i, 90, 200 - 30 * i)))
        for i in range(5)
    ]
    video = await add_file(db, root, found, "Other", "walkaround.mp4", "video", b"\x00\x00\x00\x18ftypmp42")
    await add_file(db, root, found, "Service", "internal.jpg", "photo", jpeg((1, 2, 3)))
    await add_file(db, root, found, "Client", "mine.jpg", "photo", jpeg((9, 9, 9)))
    await add_file(db, root, found, "Extra", "byhand.jpg", "photo", jpeg((200, 200, 10)))

    def fill(conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO users (telegram_id, phone, name, tg_name, level, created_at, updated_at)"
            " VALUES (?, ?, ?, '', ?, 0, 0)",
            [(STAFF_ID, "+375290000001", "Пётр Мастер", 2), (OWNER_ID, PHONE, "Ольга", 3)],
        )
        conn.executemany(
            "INSERT INTO media_marks (media_id, mark, note, marked_by, marked_at) VALUES (?, ?, ?, ?, ?)",
            [(ids[0], "now", "Тормозные колодки 2 мм 🔴", STAFF_ID, 10),
             (ids[1], "soon", "Шины", STAFF_ID, 11),
             (video, "ok", "Подвеска без стуков", STAFF_ID, 12)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, ?, ?, ?)",
            [(found.id, "accepted", STAFF_ID, 1_700_000_000), (found.id, "approval", STAFF_ID, 1_700_003_600),
             (found.id, "ready", STAFF_ID, 1_700_007_200)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO recommendations (order_id, title, reason, price, created_by, created_at, decision,"
            " decided_by, decided_at, decided_price) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            [(found.id, "Замена колодок", "Износ", 150000, STAFF_ID, "approved", OWNER_ID, 1_700_005_000,
              150000),
             (found.id, "Шиномонтаж", "", 4050, STAFF_ID, "declined", OWNER_ID, 1_700_005_100, 4050),
             (found.id, "Развал-схождение", "", 123456, STAFF_ID, None, None, None, None)],
        )  # fmt: skip
        conn.execute(
            "INSERT INTO recommendation_media (recommendation_id, media_id) VALUES (1, ?)", (ids[0],)
        )

    await db.run(fill)
    return found


def service(db: Database, settings: Settings, outbox: FakeOutbox | None = None, **kw: object) -> OrderReports:
    return OrderReports(
        settings=settings, repo=ReportRepo(db), orders=OrderRepo(db), users=UserRepo(db),
        outbox=outbox or FakeOutbox(), executor_factory=kw.pop("factory", lambda: ThreadPoolExecutor(1)),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def pdf_text(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, "\n".join(page.extract_text() for page in reader.pages)


async def test_the_report_shows_stages_marks_statuses_and_totals(
    db: Database, settings: Settings, order: Order
) -> None:
    crashed = settings.branch_photo / NUMBER / f".{report_name(NUMBER)}.999.tmp"
    crashed.write_bytes(b"%PDF-half")  # a crash mid-write left this behind
    reports = service(db, settings)
    built = await reports.build(order)
    await reports.close()

    path = settings.branch_photo / NUMBER / report_name(NUMBER)
    assert Path(built.path) == path and path.is_file()
    reader, text = pdf_text(path)
    assert len(reader.pages) == built.pages >= 1
    # 5 Inspection photos + the one copied by hand into "Extra"; neither Service nor Client
    assert sum(len(page.images) for page in reader.pages) == built.photos == 6
    flat = re.sub(r"\s+", " ", text)
    assert f"Отчёт по заказ-наряду № {NUMBER}" in flat
    assert "Автоцентр Тест" in flat and "1234 AB-7" in flat  # the plate as printed, as in the chats
    assert "+37529*****67" in flat and PHONE not in flat
    # stages by their labels, never by folder names; Service and Client left out
    assert "Прием автомобилей" in flat and "Прочее" in flat and "Другие материалы" in flat
    assert "Для сервисных нужд" not in flat and "internal.jpg" not in flat and "mine.jpg" not in flat
    assert "Inspection" not in flat
    # marks as words with their notes (the emoji the font lacks is dropped)
    assert "Срочно" in flat and "Тормозные колодки 2 мм" in flat and "Скоро" in flat and "В порядке" in flat
    assert "walkaround.mp4" in flat and "Подвеска без стуков" in flat
    # the status history with who set each status, the current status in the header
    assert all(label in flat for label in ("Принят", "Ждёт согласования", "Готов к выдаче"))
    assert "Пётр Мастер" in flat
    # recommendations, decisions and the totals approved / declined / waiting
    assert "Замена колодок" in flat and "Согласовано (Ольга" in flat and "Отказ (Ольга" in flat
    assert "Согласовано: 1 500,00 руб." in flat
    assert "Отказано: 40,50 руб." in flat
    assert "Ждёт решения: 1 234,56 руб." in flat
    assert not list((settings.branch_photo / NUMBER).glob("*.tmp")), "no temporary file left behind"


async def test_a_hundred_photos_stay_small(db: Database, settings: Settings, order: Order) -> None:
    root = settings.branch_photo
    for i in range(100):
        await add_file(db, root, order, "BodyDamage", f"b{i}.jpg", "photo", jpeg((i, 255 - i, (7 * i) % 255)))
    built = await service(db, settings).build(order)
    assert built.photos == 106
    assert built.size < 6 * 1024 * 1024, "thumbnails, not the photos, go into the PDF"
    reader = PdfReader(built.path)
    assert sum(len(page.images) for page in reader.pages) == 106


async def test_rebuilt_only_when_something_changed(db: Database, settings: Settings, order: Order) -> None:
    reports = service(db, settings)
    await reports.build(order)
    await reports.build(order)
    assert reports.builds == 1
    await db.write("UPDATE media_marks SET note = 'Колодки 1 мм' WHERE mark = 'now'")
    await reports.build(order)
    assert reports.builds == 2
    (settings.branch_photo / NUMBER / report_name(NUMBER)).unlink()  # deleted by someone: made again
    await reports.build(order)
    assert reports.builds == 3


async def test_sent_through_the_outbox_as_an_upload_from_the_order_folder(
    db: Database, settings: Settings, order: Order
) -> None:
    outbox, protocol = FakeOutbox(), FakeProtocol()
    reports = service(db, settings, outbox, protocol=protocol)
    await reports.send(order, STAFF_ID, "m:9")
    assert await reports.send_to_owner(order.id, "status:3") == 1
    assert await reports.send_to_owner(order.id + 1000) == 0  # no such order: nothing, no error
    staff, owner = outbox.sent
    assert staff.chat_id == STAFF_ID and staff.method is Method.DOCUMENT
    assert staff.payload["document"] == f"share-file:{NUMBER}/{report_name(NUMBER)}"
    assert NUMBER in staff.payload["caption"]
    assert owner.chat_id == OWNER_ID and owner.dedup_key == f"report-auto:0:{order.id}:status:3:{OWNER_ID}"
    assert reports.builds == 1
    # the protocol says who got the report: the staff member by name, the client by phone
    assert [(e.recipient, e.file_path) for e in protocol.entries] == [
        ("Пётр Мастер", f"{NUMBER}/{report_name(NUMBER)}"),
        (f"клиент {PHONE}", f"{NUMBER}/{report_name(NUMBER)}"),
    ]


async def test_no_font_is_reported_not_crashed(db: Database, settings: Settings, order: Order) -> None:
    reports = service(db, dataclasses.replace(settings, report_font=settings.branch_photo / "missing.ttf"))
    with pytest.raises(ReportUnavailable) as caught:
        await reports.build(order)
    assert caught.value.font_missing
    assert await reports.send_to_owner(order.id) == 0  # the status change goes on


async def test_a_vanished_order_folder_is_unavailable(db: Database, settings: Settings, order: Order) -> None:
    (settings.branch_photo / NUMBER).rename(settings.branch_photo / f"{NUMBER} closed")
    with pytest.raises(ReportUnavailable) as caught:
        await service(db, settings).build(order)
    assert not caught.value.font_missing


async def test_the_folder_watcher_never_takes_the_report(
    db: Database, settings: Settings, order: Order
) -> None:
    await service(db, settings).build(order)
    watched = WatchedOrder(order.id, NUMBER, PHONE, 0)
    skipped = frozenset({"service", "client"})
    found = walk_order(settings.branch_photo, watched, skipped)
    assert found and all(report_name(NUMBER) not in file.rel_path for file in found)


async def test_built_in_a_spawned_worker_process(db: Database, settings: Settings, order: Order) -> None:
    reports = service(db, settings, factory=None)
    try:
        built = await reports.build(order)
    finally:
        await reports.close()
    assert built.photos == 6


def test_phones_are_masked() -> None:
    assert mask_phone("+375291234567") == "+37529*****67"
    assert mask_phone("+79161234567") == "+7916*****67"
    assert mask_phone(None) == "" and mask_phone("+12") == "***"


async def test_an_owner_request_that_cannot_be_built_tells_the_admins(
    db: Database, settings: Settings, order: Order
) -> None:
    await db.write(
        "INSERT INTO users (telegram_id, phone, name, tg_name, level, created_at, updated_at)"
        " VALUES (1, '+375290000009', 'Админ', '', 1, 0, 0)"
    )
    outbox = FakeOutbox()
    no_font = dataclasses.replace(settings, report_font=settings.branch_photo / "none.ttf")
    reports = service(db, no_font, outbox)
    assert not await reports.send_to_client(order, OWNER_ID, "m:1")
    assert not await reports.send_to_client(order, OWNER_ID, "m:2")
    assert [d.method for d in outbox.sent] == [Method.MESSAGE, Method.MESSAGE]
    assert {d.chat_id for d in outbox.sent} == {1} and "REPORT_FONT" in outbox.sent[0].payload["text"]
    assert outbox.sent[0].dedup_key == outbox.sent[1].dedup_key, "the outbox keeps one per order and hour"
