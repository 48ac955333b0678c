from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio

from database.connection import Database
from database.orders import OrderRepo
from services.orders import content as order_content
from services.orders import index as order_index
from services.orders import reads as content_reads
from services.orders.content import ContentData, parse_content
from services.orders.index import OrderIndex
from services.orders.scan import creation_timestamp
from tests.conftest import ORDERS_FIXTURE

FIXTURES = ORDERS_FIXTURE
FIXTURE_ORDERS = {
    "a000177322",
    "a000185876",
    "a000190001",
    "a000190002",
    "a000190003",
    "a000190004",
    "a000190005",
    "a000190006",
}
LOGGER = "services.orders.index"


def _copy_fixtures(dest: Path) -> Path:
    shutil.copytree(FIXTURES, dest)
    for dirpath, _dirnames, filenames in os.walk(dest):  # the fixture tree is read-only
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    return dest


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write content.txt and make sure its fingerprint moves even on a coarse-mtime file system."""
    path.write_bytes(text.encode(encoding))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _content(order: str, phone: str = "+375291234567", plate: str = "1111 AB-1", barcode: str = "123") -> str:
    return f'{{"order": "{order}", "barcode": "{barcode}", "phone": "{phone}", "plate_number": "{plate}"}}'


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return _copy_fixtures(tmp_path / "Photo")


@pytest.fixture
def repo(db: Database) -> OrderRepo:
    return OrderRepo(db)


@pytest.fixture
def index(repo: OrderRepo, root: Path) -> OrderIndex:
    return OrderIndex(repo, root, "closed")


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = order_content.read_content

    def counting(path: str) -> ContentData:
        reads.append(Path(path).parent.name)
        return real(path)

    monkeypatch.setattr(order_content, "read_content", counting)
    return reads


def _count_writes(monkeypatch: pytest.MonkeyPatch, db: Database) -> list[str]:
    writes: list[str] = []
    for name in ("write", "write_many", "run"):
        real: Callable[..., Any] = getattr(db, name)

        def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            writes.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(db, name, wrapper)
    return writes


def _lines_about(caplog: pytest.LogCaptureFixture, number: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and number in r.getMessage()]


# --- fixture cases ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_cold_scan_indexes_every_fixture_case(index: OrderIndex, repo: OrderRepo) -> None:
    report = await index.refresh()
    assert report.error is None
    assert (report.scanned, report.added, report.changed, report.closed, report.reopened) == (8, 8, 0, 0, 0)
    assert report.flagged == 2  # malformed + missing
    assert await repo.count_open() == 8

    bom = await repo.get_by_number("a000177322")  # UTF-8 with BOM, Cyrillic plate
    assert bom is not None and bom.data_ok and bom.problem is None and bom.is_open
    assert (bom.phone, bom.plate, bom.barcode) == (
        "+375298943508",
        "0434MH1",
        "2800074366278382442612315631864110402",
    )
    one_line = await repo.get_by_number("a000185876")  # one-line JSON with BOM, phone without +
    assert one_line is not None and (one_line.phone, one_line.plate) == ("+375296136653", "9632HH5")
    cp1251 = await repo.get_by_number("a000190001")  # cp1251, 8 (029) ..., lower-case Cyrillic plate
    assert (
        cp1251 is not None and cp1251.data_ok and (cp1251.phone, cp1251.plate) == ("+375296112233", "7751AB7")
    )
    ean = await repo.get_by_number("a000190004")  # AB 1234-7, EAN-13, 9 local digits
    assert ean is not None and (ean.barcode, ean.plate, ean.phone) == (
        "4810000000017",
        "AB12347",
        "+375291234567",
    )
    russian = await repo.get_by_number("a000190006")
    assert russian is not None and russian.phone == "+79161234567"


@pytest.mark.asyncio
async def test_bad_data_stays_selectable_but_flagged(index: OrderIndex, repo: OrderRepo) -> None:
    await index.refresh()
    malformed = await repo.get_by_number("a000190002")  # trailing comma
    assert malformed is not None and malformed.is_open and not malformed.data_ok
    assert malformed.problem == "malformed" and malformed.phone is None
    missing = await repo.get_by_number("a000190003")
    assert missing is not None and missing.is_open and not missing.data_ok and missing.problem == "missing"
    assert [o.number for o in await repo.search_open("19000", 10)] == [
        "a000190001",
        "a000190002",
        "a000190003",
        "a000190004",
        "a000190005",
        "a000190006",
    ]


@pytest.mark.asyncio
async def test_folder_name_wins_over_order_field(
    index: OrderIndex, repo: OrderRepo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    await index.refresh()
    assert await repo.get_by_number("a000190005") is not None
    assert await repo.get_by_number("a000199999") is None
    lines = _lines_about(caplog, "a000199999")
    assert len(lines) == 1 and "a000190005" in lines[0]


@pytest.mark.asyncio
async def test_closed_folders_stray_files_and_system_folders_are_not_orders(
    index: OrderIndex, repo: OrderRepo, root: Path
) -> None:
    (root / "a000190007CLOSED").mkdir()  # any case
    (root / "a000190007CLOSED" / "content.txt").write_text(_content("a000190007"))
    (root / ".git").mkdir()
    (root / "@eaDir").mkdir()
    (root / "notes.txt").write_text("not an order")
    report = await index.refresh()
    assert report.scanned == 8
    numbers = {o.number for o in await repo.search_open("", 100)}
    assert numbers == FIXTURE_ORDERS
    for name in (
        "a000170000closed",
        "a000170000",
        "a000190007CLOSED",
        "a000190007",
        "all_recording_dialog.txt",
    ):
        assert await repo.get_by_number(name) is None


def test_parse_content_variants() -> None:
    body = _content("x", phone="8 (029) 611-22-33", plate="7751 ав-7")
    for raw in (
        body.encode("utf-8"),
        b"\xef\xbb\xbf" + body.encode("utf-8"),
        body.encode("cp1251"),
        body.encode("utf-16"),
    ):
        parsed = parse_content(raw)
        assert (parsed.problem, parsed.phone, parsed.plate) == (None, "+375296112233", "7751AB7"), raw
    assert parse_content(b'{"phone": "+375291234567",}').problem == "malformed"
    assert parse_content(b"[1, 2]").problem == "malformed"
    assert parse_content(b"").problem == "malformed"
    assert parse_content(b'{"phone": ' + b"9" * 5000 + b"}").problem == "malformed"
    assert parse_content(b"[" * 100_000).problem == "malformed"
    no_phone = parse_content('{"phone": "звоните"}'.encode())
    assert (no_phone.problem, no_phone.phone, no_phone.phone_raw) == ("no_phone", None, "звоните")
    assert parse_content(b'{"barcode": "  42  "}').problem == "no_phone"
    assert parse_content(b'{"barcode": "  42  ", "phone": "291234567"}').barcode == "42"


@pytest.mark.asyncio
async def test_unparseable_phone_is_flagged_and_raw_kept(
    index: OrderIndex, repo: OrderRepo, root: Path
) -> None:
    (root / "a000190008").mkdir()
    _write(root / "a000190008" / "content.txt", _content("a000190008", phone="позвонить Ивану"))
    await index.refresh()
    order = await repo.get_by_number("a000190008")
    assert order is not None and order.problem == "no_phone" and not order.data_ok and order.phone is None
    raw = await repo._db.fetchval("SELECT phone_raw FROM orders WHERE number = 'a000190008'")
    assert raw == "позвонить Ивану"


# --- changes between scans ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_removed_folder_closes_and_returning_folder_reopens_same_row(
    index: OrderIndex, repo: OrderRepo, root: Path, tmp_path: Path
) -> None:
    await index.refresh()
    before = await repo.get_by_number("a000190004")
    assert before is not None
    shutil.move(root / "a000190004", tmp_path / "away")
    report = await index.refresh()
    assert (report.closed, report.reopened, report.scanned) == (1, 0, 7)
    closed = await repo.get(before.id)
    assert closed is not None and closed.is_open is False
    assert await repo.open_by_barcode("4810000000017") == []
    assert await repo.count_open() == 7

    shutil.move(tmp_path / "away", root / "a000190004")
    report = await index.refresh()
    assert (report.closed, report.reopened, report.added) == (0, 1, 0)
    again = await repo.get_by_number("a000190004")
    assert again == before


@pytest.mark.asyncio
async def test_folder_renamed_to_closed_closes_the_order(
    index: OrderIndex, repo: OrderRepo, root: Path
) -> None:
    await index.refresh()
    (root / "a000190006").rename(root / "a000190006closed")
    report = await index.refresh()
    assert report.closed == 1
    order = await repo.get_by_number("a000190006")
    assert order is not None and not order.is_open
    assert await repo.get_by_number("a000190006closed") is None


@pytest.mark.asyncio
async def test_changed_content_is_picked_up(index: OrderIndex, repo: OrderRepo, root: Path) -> None:
    await index.refresh()
    before = await repo.get_by_number("a000190006")
    _write(root / "a000190006" / "content.txt", _content("a000190006", phone="+375 44 777-88-99"))
    report = await index.refresh()
    assert (report.changed, report.added) == (1, 0)
    after = await repo.get_by_number("a000190006")
    assert after is not None and before is not None
    assert after.id == before.id and after.phone == "+375447778899" and after.plate == "1111AB1"
    assert [o.number for o in await repo.open_for_phone("+375447778899")] == ["a000190006"]


@pytest.mark.asyncio
async def test_content_appearing_and_disappearing(index: OrderIndex, repo: OrderRepo, root: Path) -> None:
    await index.refresh()
    _write(root / "a000190003" / "content.txt", _content("a000190003"))
    (root / "a000177322" / "content.txt").unlink()
    report = await index.refresh()
    assert report.changed == 2 and report.closed == 0
    appeared = await repo.get_by_number("a000190003")
    assert appeared is not None and appeared.data_ok and appeared.phone == "+375291234567"
    gone = await repo.get_by_number("a000177322")
    assert gone is not None and gone.is_open and gone.problem == "missing" and gone.phone is None


@pytest.mark.asyncio
async def test_unchanged_rescan_reads_and_writes_nothing(
    index: OrderIndex, repo: OrderRepo, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _count_reads(monkeypatch)
    await index.refresh()
    assert sorted(reads) == sorted(FIXTURE_ORDERS - {"a000190003"})  # no content.txt → nothing to read
    reads.clear()
    writes = _count_writes(monkeypatch, db)
    for _ in range(3):
        report = await index.refresh()
        assert (report.added, report.changed, report.closed, report.reopened, report.flagged) == (
            0,
            0,
            0,
            0,
            0,
        )
    restarted = OrderIndex(repo, index.root, "closed")  # fingerprints come back from SQLite
    report = await restarted.refresh()
    assert report.scanned == 8 and report.changed == 0
    assert reads == [] and writes == []


@pytest.mark.asyncio
async def test_one_log_line_per_bad_folder_across_scans(
    index: OrderIndex, repo: OrderRepo, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    for _ in range(3):
        await index.refresh()
    await OrderIndex(repo, root, "closed").refresh()  # a restart does not repeat them either
    assert len(_lines_about(caplog, "a000190002")) == 1
    assert len(_lines_about(caplog, "a000190003")) == 1
    assert all(r.levelno == logging.WARNING for r in caplog.records if "a000190002" in r.getMessage())
    _write(root / "a000190002" / "content.txt", '{"order": "a000190002", "phone": }')  # changed, still bad
    await index.refresh()
    await index.refresh()
    assert len(_lines_about(caplog, "a000190002")) == 2


@pytest.mark.asyncio
async def test_unreadable_content_keeps_old_data_retries_and_logs_once(
    index: OrderIndex,
    repo: OrderRepo,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await index.refresh()
    caplog.set_level(logging.WARNING, logger=LOGGER)
    locked: list[str] = []
    real = order_content.read_content

    def flaky(path: str) -> ContentData:
        locked.append(path)
        return ContentData("unreadable", "locked") if "a000190006" in path else real(path)

    monkeypatch.setattr(order_content, "read_content", flaky)
    _write(root / "a000190006" / "content.txt", _content("a000190006", phone="+375447778899"))
    for _ in range(3):
        await index.refresh()
    assert len(locked) == 3  # retried every scan
    assert len(_lines_about(caplog, "a000190006")) == 1
    kept = await repo.get_by_number("a000190006")
    assert kept is not None and kept.phone == "+79161234567" and kept.data_ok
    monkeypatch.setattr(order_content, "read_content", real)
    await index.refresh()
    fresh = await repo.get_by_number("a000190006")
    assert fresh is not None and fresh.phone == "+375447778899"


# --- calendar date -----------------------------------------------------------------------------


def test_creation_timestamp_prefers_birth_time_then_windows_ctime_then_mtime() -> None:
    assert creation_timestamp(SimpleNamespace(st_birthtime=10.0, st_ctime=20.0, st_mtime=30.0)) == 10.0
    assert creation_timestamp(SimpleNamespace(st_ctime=20.0, st_mtime=30.0), platform="win32") == 20.0
    assert creation_timestamp(SimpleNamespace(st_ctime=20.0, st_mtime=30.0), platform="linux") == 30.0


def _local_ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, 0).timestamp()


@pytest.mark.skipif(
    sys.platform == "win32" or hasattr(os.stat("."), "st_birthtime"), reason="OS records creation time"
)
@pytest.mark.asyncio
async def test_calendar_date_is_folder_mtime_when_first_seen(
    index: OrderIndex, repo: OrderRepo, root: Path
) -> None:
    folder = root / "a000190009"
    folder.mkdir()
    _write(folder / "content.txt", _content("a000190009"))
    os.utime(folder, (_local_ts(date(2024, 3, 5)), _local_ts(date(2024, 3, 5))))
    await index.refresh()
    order = await repo.get_by_number("a000190009")
    assert order is not None and order.calendar_date == date(2024, 3, 5)


@pytest.mark.asyncio
async def test_calendar_date_never_moves(
    index: OrderIndex, repo: OrderRepo, root: Path, tmp_path: Path
) -> None:
    folder = root / "a000190009"
    folder.mkdir()
    _write(folder / "content.txt", _content("a000190009"))
    os.utime(folder, (_local_ts(date(2024, 3, 5)), _local_ts(date(2024, 3, 5))))
    await index.refresh()
    first = await repo.get_by_number("a000190009")
    assert first is not None
    for step in range(2):
        (folder / "Inspection").mkdir(exist_ok=True)
        (folder / "Inspection" / f"photo{step}.jpg").write_bytes(b"jpeg")
        _write(folder / "content.txt", _content("a000190009", phone=f"+37529123456{step}"))
        os.utime(folder, (time.time(), time.time()))
        report = await index.refresh()
        assert report.changed == 1
    shutil.move(folder, tmp_path / "away")
    await index.refresh()
    shutil.move(tmp_path / "away", folder)
    os.utime(folder, (_local_ts(date(2023, 1, 1)), _local_ts(date(2023, 1, 1))))
    await index.refresh()
    last = await repo.get_by_number("a000190009")
    assert last is not None and last.is_open and last.phone == "+375291234561"
    assert last.calendar_date == first.calendar_date
    assert last.id == first.id


# --- search through the index ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_search_with_like_wildcards_in_input(index: OrderIndex, repo: OrderRepo, root: Path) -> None:
    for name in ("zz%1", "zz_1", "zza1", "ZZB1"):
        (root / name).mkdir()
    await index.refresh()
    assert [o.number for o in await repo.search_open("%", 10)] == ["zz%1"]
    assert [o.number for o in await repo.search_open("z_", 10)] == ["zz_1"]
    assert [o.number for o in await repo.search_open("zzb", 10)] == ["ZZB1"]
    assert len(await repo.search_open("ZZ", 10)) == 4


# --- BRANCH_PHOTO trouble ----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_missing_branch_photo_does_not_close_everything(
    index: OrderIndex, repo: OrderRepo, root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await index.refresh()
    caplog.set_level(logging.INFO, logger=LOGGER)
    root.rename(tmp_path / "unmounted")
    first = await index.refresh()
    second = await index.refresh()
    assert first.error is not None and str(root) in first.error
    assert (first.closed, second.closed) == (0, 0)
    assert await repo.count_open() == 8
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == LOGGER]
    assert len(errors) == 1  # logged clearly, once
    (tmp_path / "unmounted").rename(root)
    back = await index.refresh()
    assert back.error is None and (back.closed, back.reopened, back.changed, back.scanned) == (0, 0, 0, 8)


@pytest.mark.asyncio
async def test_empty_branch_photo_does_not_close_everything(
    index: OrderIndex, repo: OrderRepo, root: Path, tmp_path: Path
) -> None:
    await index.refresh()
    stash = tmp_path / "stash"
    stash.mkdir()
    for child in list(root.iterdir()):
        shutil.move(child, stash / child.name)
    report = await index.refresh()
    assert report.error is not None and report.closed == 0
    assert await repo.count_open() == 8


@pytest.mark.asyncio
async def test_missing_branch_photo_on_first_start(repo: OrderRepo, tmp_path: Path) -> None:
    report = await OrderIndex(repo, tmp_path / "nowhere", "closed").refresh()
    assert report.error is not None and report.scanned == 0
    assert await repo.count_open() == 0


# --- concurrency and the background loop ------------------------------------------------------


@pytest.mark.asyncio
async def test_concurrent_refreshes_share_one_scan(
    index: OrderIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = order_index.scan_tree

    def slow(*args: Any) -> Any:
        calls.append(1)
        time.sleep(0.1)
        return real(*args)

    monkeypatch.setattr(order_index, "scan_tree", slow)
    reports = await asyncio.gather(*(index.refresh() for _ in range(5)))
    assert len(calls) == 1
    assert all(r is reports[0] for r in reports) and reports[0].added == 8
    await index.refresh()  # a later call scans again
    assert len(calls) == 2


@pytest.mark.asyncio
async def test_run_periodically_logs_errors_and_keeps_going(
    index: OrderIndex, repo: OrderRepo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = repo.apply_scan
    failures = [RuntimeError("disk full")]

    async def flaky(**kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        await real(**kwargs)

    monkeypatch.setattr(repo, "apply_scan", flaky)
    task = asyncio.create_task(index.run_periodically(0.01))
    try:
        for _ in range(200):
            if await repo.count_open() == 8:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert await repo.count_open() == 8
    assert not task.done() or task.cancelled()
    assert any("disk full" in (r.exc_text or str(r.exc_info)) for r in caplog.records if r.name == LOGGER)


@pytest.mark.asyncio
async def test_order_folder(index: OrderIndex, repo: OrderRepo, root: Path) -> None:
    await index.refresh()
    order = await repo.get_by_number("a000177322")
    assert order is not None
    assert index.order_folder(order) == root / "a000177322"
    assert (index.order_folder(order) / "Inspection" / "existing_front.jpg").is_file()


# --- the share is untrusted: links, special files, stalls --------------------------------------

posix_only = pytest.mark.skipif(os.name == "nt" or not hasattr(os, "mkfifo"), reason="POSIX FIFOs and links")


@posix_only
@pytest.mark.asyncio
async def test_fifo_content_txt_does_not_hang_the_scan(
    index: OrderIndex, repo: OrderRepo, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = root / "a000190100"
    folder.mkdir()
    os.mkfifo(folder / "content.txt")  # nobody ever writes into it: an open for reading would hang
    report = await asyncio.wait_for(index.refresh(), timeout=20)
    assert report.error is None and report.added == 9
    order = await repo.get_by_number("a000190100")
    assert order is not None and order.problem == "malformed"
    assert await repo.get_by_number("a000177322") is not None
    caplog.clear()
    await asyncio.wait_for(index.refresh(), timeout=20)
    assert not _lines_about(caplog, "a000190100"), "flagged once, not on every scan"


@posix_only
@pytest.mark.asyncio
async def test_content_txt_linked_to_dev_zero_is_not_read(
    index: OrderIndex, repo: OrderRepo, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _count_reads(monkeypatch)
    folder = root / "a000190101"
    folder.mkdir()
    (folder / "content.txt").symlink_to("/dev/zero")
    await asyncio.wait_for(index.refresh(), timeout=20)
    order = await repo.get_by_number("a000190101")
    assert order is not None and order.problem == "malformed"
    assert "a000190101" not in reads, "a link is never opened"


@posix_only
def test_read_content_refuses_links_and_devices_and_caps_size(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to("/dev/zero")
    assert order_content.read_content(str(link)).problem == "malformed"
    assert order_content.read_content("/dev/zero").problem == "malformed"
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    assert order_content.read_content(str(fifo)).problem == "malformed"
    big = tmp_path / "big.txt"
    big.write_bytes(b" " * (order_content.MAX_CONTENT_BYTES + 1))
    result = order_content.read_content(str(big))
    assert result.problem == "malformed" and "larger" in (result.detail or "")


@posix_only
@pytest.mark.asyncio
async def test_a_linked_order_folder_is_not_an_order(
    index: OrderIndex, repo: OrderRepo, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "content.txt").write_text(_content("a000190102"))
    (root / "a000190102").symlink_to(outside, target_is_directory=True)
    report = await index.refresh()
    assert report.added == 8
    assert await repo.get_by_number("a000190102") is None


@pytest.mark.asyncio
async def test_a_stalled_content_read_costs_only_its_folder(
    index: OrderIndex, repo: OrderRepo, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release = threading.Event()
    real = order_content.read_content

    def stalling(path: str) -> ContentData:
        if Path(path).parent.name == "a000190001":
            release.wait(30)  # a hung SMB server
        return real(path)

    monkeypatch.setattr(order_content, "read_content", stalling)
    monkeypatch.setattr(order_index, "CONTENT_READ_SECONDS", 0.2)
    try:
        report = await asyncio.wait_for(index.refresh(), timeout=20)
        assert report.added == 8
        stalled = await repo.get_by_number("a000190001")
        assert stalled is not None and stalled.problem == "unreadable"
        healthy = await repo.get_by_number("a000177322")
        assert healthy is not None and healthy.data_ok
        report = await asyncio.wait_for(index.refresh(), timeout=20)  # still stuck: not read again
        assert (await repo.get_by_number("a000190001")).problem == "unreadable"  # type: ignore[union-attr]
    finally:
        release.set()
    for _ in range(100):
        await index.refresh()
        fixed = await repo.get_by_number("a000190001")
        if fixed is not None and fixed.data_ok:
            break
        await asyncio.sleep(0.05)
    assert fixed is not None and fixed.data_ok, "read again once the share answers"


def test_reads_stop_while_every_reader_is_stuck(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import threading

    release = threading.Event()

    def stalling(path: str) -> ContentData:
        if "stuck" in path:
            release.wait(30)
        return ContentData(None)

    monkeypatch.setattr(order_content, "read_content", stalling)
    readers = content_reads.ContentReaders()
    try:
        stuck = [str(tmp_path / f"stuck{i}" / "content.txt") for i in range(content_reads.MAX_STUCK)]
        first = readers.read_all([stuck[0], str(tmp_path / "ok0" / "content.txt"), *stuck[1:]], 0.05)
        assert [first[path].problem for path in stuck] == ["unreadable"] * len(stuck)
        assert first[str(tmp_path / "ok0" / "content.txt")].problem is None, "read after a stuck one"
        later = readers.read_all([str(tmp_path / "ok1" / "content.txt"), stuck[0]], 0.05)
        assert later[str(tmp_path / "ok1" / "content.txt")].detail == "other reads of the share are stuck"
        assert later[stuck[0]].detail == "an earlier read has not finished yet"
    finally:
        release.set()
