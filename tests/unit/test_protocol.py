"""The protocol archive: every line written, in order, in groups; a failed file is retried later."""

import asyncio
import logging
import os
import unicodedata
from pathlib import Path

import pytest

from database.connection import Database
from database.protocol import ProtocolEntry, ProtocolRepo, StoredEntry
from services import protocol as protocol_module
from services.protocol import GENERAL_FILE, Protocol, format_line, order_protocol_name


def _entry(index: int, order: str | None) -> ProtocolEntry:
    return ProtocolEntry(
        order_id=1 if order else None,
        order_number=order,
        sender_id=index,
        sender_role=2,
        sender_name=f"мастер {index}",
        recipient="клиент",
        kind="text",
        text=f"сообщение <{index}>",
        dedup_key=f"k{index}",
    )


@pytest.fixture
async def protocol(tmp_path: Path):
    db = await Database.open(tmp_path / "bot.db")
    (tmp_path / "Photo" / "A-1").mkdir(parents=True)
    await db.write(
        "INSERT INTO orders (id, number, number_fold, calendar_date, first_seen, updated_at)"
        " VALUES (1, 'A-1', 'a-1', '2026-11-26', 0, 0)"
    )
    archive = Protocol(ProtocolRepo(db), tmp_path / "Photo")
    yield archive, db, tmp_path / "Photo"
    await archive.flush()
    await db.close()


async def test_concurrent_records_are_all_written_in_order(protocol, monkeypatch: pytest.MonkeyPatch) -> None:
    archive, db, root = protocol
    trips: list[int] = []
    real = protocol_module._append_all

    def counted(lines: list, fallback: Path) -> dict:
        trips.append(len(lines))
        return real(lines, fallback)

    monkeypatch.setattr(protocol_module, "_append_all", counted)
    await asyncio.gather(*(archive.record(_entry(i, "A-1" if i % 2 else None)) for i in range(200)))
    await archive.flush()
    order_lines = (root / "A-1" / order_protocol_name("A-1")).read_text(encoding="utf-8").splitlines()
    general_lines = (root / GENERAL_FILE).read_text(encoding="utf-8").splitlines()
    assert [line.rsplit("<", 1)[1] for line in order_lines] == [f"{i}>" for i in range(1, 200, 2)]
    assert [line.rsplit("<", 1)[1] for line in general_lines] == [f"{i}>" for i in range(0, 200, 2)]
    assert sum(trips) == 200 and len(trips) < 20  # lines went to the writer thread in groups
    assert await db.fetchval("SELECT COUNT(*) FROM protocol WHERE archived = 0") == 0


async def test_an_unwritable_file_is_logged_and_kept_for_the_next_start(
    protocol, caplog: pytest.LogCaptureFixture
) -> None:
    archive, db, root = protocol
    (root / "A-1" / order_protocol_name("A-1")).mkdir()  # a folder where the file should be
    with caplog.at_level(logging.ERROR):
        await archive.record(_entry(1, "A-1"))
        await archive.record(_entry(2, None))
        await archive.flush()
    assert "Could not append to the protocol file" in caplog.text
    assert [row[0] for row in await db.fetchall("SELECT dedup_key FROM protocol WHERE archived = 0")] == [
        "k1"
    ]
    assert "<2>" in (root / GENERAL_FILE).read_text(encoding="utf-8")


def _stored(text: str, name: str = "мастер", order: str | None = "A-1") -> StoredEntry:
    entry = ProtocolEntry(
        order_id=1 if order else None,
        order_number=order,
        sender_id=1,
        sender_role=2,
        sender_name=name,
        recipient="клиент",
        kind="text",
        text=text,
    )
    return StoredEntry(1, 1_700_000_000.0, entry)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("мастер", "ok\n2026-01-01 00:00:00 | Admin -> клиент: forged"),
        ("мастер\r\n2026-01-01 00:00:00 | Admin", "hi"),
        ("\x1b[2K\x1b[1Aмастер", "text\x1b]0;title\x07 \x1b[31mred\x1b[0m"),
        ("bidi\u202eretsam", "a\u2028b\x85c\x00d\x9b2Ke"),
    ],
    ids=["newline-in-text", "newline-in-name", "terminal-escapes", "unicode-separators"],
)
def test_a_record_is_always_one_clean_line(name: str, text: str) -> None:
    line = format_line(_stored(text, name))
    assert line.endswith("\n") and line.count("\n") == 1
    body = line[:-1]
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in body), repr(body)
    assert "\x1b" not in body and "[31m" not in body and "]0;" not in body


def test_multi_line_text_stays_readable() -> None:
    line = format_line(_stored("Добрый день!\nМашина готова.\r\n\r\nЖдём вас"))
    assert line.endswith(": Добрый день! ↵ Машина готова. ↵ Ждём вас\n")
    family = "👨\u200d👩\u200d👧"
    assert family in format_line(_stored(family)), "emoji joiners are kept"


def test_in_telegram_a_file_names_its_stage_by_label_the_archive_by_folder() -> None:
    entry = ProtocolEntry(
        order_id=1,
        order_number="A-1",
        sender_id=1,
        sender_role=2,
        sender_name="мастер",
        recipient="клиент",
        kind="photo",
        text="",
        file_path="A-1/Inspection/20261201_1.jpg",
    )
    stored = StoredEntry(1, 1_700_000_000.0, entry)
    shown = format_line(stored, stages={"Inspection": "Прием автомобилей"})
    assert "[фото 20261201_1.jpg, этап «Прием автомобилей»]" in shown and "Inspection" not in shown
    assert "A-1/Inspection/20261201_1.jpg" in format_line(stored)


def test_a_stage_folder_in_another_case_is_still_named_by_its_label() -> None:
    """Folders made by hand on a Windows share keep the case typed ("inspection", "BODYDAMAGE"): the
    filing, the folder watcher and the PDF report match them regardless of case, the protocol too."""
    stages = {"Inspection": "Прием автомобилей", "BodyDamage": "Кузовные повреждения"}
    for path, label in (
        ("A-1/inspection/x.jpg", "Прием автомобилей"),
        ("A-1/BODYDAMAGE/y.jpg", "Кузовные повреждения"),
    ):
        entry = ProtocolEntry(1, "A-1", None, None, "Папка заказ-наряда", "клиент", "photo", "", path)
        shown = format_line(StoredEntry(1, 1_700_000_000.0, entry), stages=stages)
        assert f"этап «{label}»" in shown, shown
        assert "inspection" not in shown.casefold() and "bodydamage" not in shown.casefold()


def test_in_telegram_a_file_never_shows_a_telegram_file_id() -> None:
    """A line stored before 16.3 named a file that was not kept by its Telegram file id; admins see the
    kind only. A folder unknown to TYPE_ORDER is shown as is (never a path with the order number)."""
    old = ProtocolEntry(
        1, "A-1", 1, 3, "клиент", "сотрудник", "photo", "[фото: AgACAgIAAxkBAAIBQ2Zz-_x1] вот"
    )
    shown = format_line(StoredEntry(1, 1_700_000_000.0, old), stages={})
    assert "[фото] вот" in shown and "AgAC" not in shown
    assert "AgAC" in format_line(StoredEntry(1, 1_700_000_000.0, old)), "the archive keeps what was stored"
    client = ProtocolEntry(
        1, "A-1", 1, 3, "клиент", "сотрудник", "document", "", file_path="A-1/Client/акт.pdf"
    )
    shown = format_line(StoredEntry(2, 1_700_000_000.0, client), stages={"Client": "Файлы клиента"})
    assert "[документ акт.pdf, этап «Файлы клиента»]" in shown


def _forget_refusals() -> None:
    from services.share_paths import forget_logged

    forget_logged()


@pytest.mark.skipif(os.name == "nt", reason="POSIX symlinks")
async def test_a_linked_protocol_file_is_not_followed(
    protocol, tmp_path_factory: pytest.TempPathFactory
) -> None:
    archive, db, root = protocol
    _forget_refusals()
    outside = tmp_path_factory.mktemp("outside") / "victim.txt"
    outside.write_text("keep\n", encoding="utf-8")
    (root / "A-1" / order_protocol_name("A-1")).symlink_to(outside)
    await archive.record(_entry(1, "A-1"))
    await archive.flush()
    assert outside.read_text(encoding="utf-8") == "keep\n"
    general = (root / GENERAL_FILE).read_text(encoding="utf-8")
    assert "[A-1]" in general and "<1>" in general, "the line is kept, with its order"
    assert await db.fetchval("SELECT COUNT(*) FROM protocol WHERE archived = 0") == 0


@pytest.mark.skipif(os.name == "nt", reason="POSIX symlinks")
async def test_a_linked_order_folder_gets_no_protocol(
    protocol, tmp_path_factory: pytest.TempPathFactory
) -> None:
    archive, _db, root = protocol
    outside = tmp_path_factory.mktemp("outside")
    (root / "A-1").rmdir()
    (root / "A-1").symlink_to(outside, target_is_directory=True)
    await archive.record(_entry(1, "A-1"))
    await archive.flush()
    assert list(outside.iterdir()) == []
    assert "[A-1]" in (root / GENERAL_FILE).read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
async def test_a_fifo_protocol_file_does_not_hang_the_writer(protocol) -> None:
    archive, _db, root = protocol
    os.mkfifo(root / "A-1" / order_protocol_name("A-1"))
    await archive.record(_entry(1, "A-1"))
    await asyncio.wait_for(archive.flush(), timeout=10)
    assert "<1>" in (root / GENERAL_FILE).read_text(encoding="utf-8")


def test_export_length_is_counted_in_utf16_units() -> None:
    from services.admin import protocol_fits_message

    title = "Протокол заказ-наряда A-1"
    assert protocol_fits_message(title, "я" * 3000)
    assert not protocol_fits_message(title, "😀" * 2100), "2,100 characters, 4,200 units: a file"
    assert protocol_fits_message(title, "<" * 4000), "counted after the HTML escaping is undone"
    assert not protocol_fits_message(title, "<" * 4100)


async def test_a_lasting_failure_is_logged_once(protocol, caplog: pytest.LogCaptureFixture) -> None:
    archive, _db, root = protocol
    (root / "A-1" / order_protocol_name("A-1")).mkdir()  # a folder where the file should be
    with caplog.at_level(logging.ERROR):
        for index in range(3):
            await archive.record(_entry(index, "A-1"))
            await asyncio.sleep(protocol_module.GROUP_SECONDS * 3)
        await archive.flush()
    assert caplog.text.count("Could not append to the protocol file") == 1
