"""The protocol archive: every line written, in order, in groups; a failed file is retried later."""

import asyncio
import logging
from pathlib import Path

import pytest

from database.connection import Database
from database.protocol import ProtocolEntry, ProtocolRepo
from services import protocol as protocol_module
from services.protocol import GENERAL_FILE, Protocol, order_protocol_name


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
