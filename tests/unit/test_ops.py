"""Operations: the one-copy lock, backups and their rotation, upgrades from the previous release,
the health check's verdicts, the heartbeat and the admin alerts."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import aiosqlite
import pytest

import texts
from config import load_settings
from database.backup import BackupError, backup_database, backups_of, rotate
from database.connection import Database, DatabaseError, available_migrations
from database.health import Backlog
from ops import check, health
from ops.lock import AlreadyRunning, InstanceLock, lock_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PREVIOUS_RELEASE = FIXTURES / "previous_release" / "release-1.0.0.sql"


# --- lock ------------------------------------------------------------------------------------------


def test_second_lock_on_the_same_database_is_refused_with_the_first_pid(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "bot.db")
    assert path == tmp_path / "bot.db.lock"
    with InstanceLock(path):
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(path).acquire()
        assert refused.value.pid is not None and refused.value.pid.isdigit()
    with InstanceLock(path):  # released: the next copy starts
        pass


def test_lock_of_a_killed_process_is_free_again(tmp_path: Path) -> None:
    path = tmp_path / "bot.db.lock"
    script = (
        "import pathlib, time\n"
        "from ops.lock import InstanceLock\n"
        f"lock = InstanceLock(pathlib.Path({str(path)!r}))\n"
        "lock.acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(path).acquire()
        assert refused.value.pid == str(holder.pid)
    finally:
        holder.kill()  # kill -9: no clean-up in the holder
        holder.wait(10)
    with InstanceLock(path):
        pass


# --- backups ---------------------------------------------------------------------------------------


def _live_database(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # everything stays in the WAL, as in the bot
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    return conn


def test_backup_of_a_live_wal_database_is_one_consistent_file(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    conn = _live_database(source)
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 100,)] * 500)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            conn.execute("INSERT INTO t (v) VALUES ('during')")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copy = backup_database(source, tmp_path / "backups", keep=5)
    finally:
        stop.set()
        thread.join()
        conn.close()
    assert copy.parent == tmp_path / "backups" and copy.name.startswith("bot-")
    assert not Path(f"{copy}-wal").exists() and not list(copy.parent.glob("*.part"))
    with sqlite3.connect(copy) as restored:
        assert restored.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert restored.execute("SELECT COUNT(*) FROM t WHERE v != 'during'").fetchone()[0] == 500


def test_rotation_keeps_the_newest(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    _live_database(source).close()
    made = [backup_database(source, tmp_path / "b", keep=3) for _ in range(5)]
    assert backups_of(source, tmp_path / "b") == made[-3:]
    assert rotate(source, tmp_path / "b", keep=1) == made[-3:-1]


def test_backup_of_a_missing_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BackupError):
        backup_database(tmp_path / "none.db", tmp_path / "b", keep=3)


# --- upgrades --------------------------------------------------------------------------------------


async def _database_at(path: Path, version: int) -> None:
    conn = await aiosqlite.connect(path, isolation_level=None)
    old = Database(conn, path)
    await old.migrate(target=version)
    await old.write(
        "INSERT INTO users (telegram_id, phone, level, created_at, updated_at)"
        " VALUES (1, '+375291112233', 2, 'x', 'x')"
    )
    await old.close()


async def test_pending_migrations_on_a_database_with_data_take_a_backup_first(tmp_path: Path) -> None:
    path, folder = tmp_path / "bot.db", tmp_path / "backups"
    latest = len(available_migrations())
    await _database_at(path, latest - 1)
    db = await Database.open(path, folder, backup_keep=5)
    await db.close()
    (copy,) = backups_of(path, folder)
    assert copy.name.endswith(f"-before-v{latest}.db")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest - 1
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
    db = await Database.open(path, folder)  # nothing pending: no new copy
    await db.close()
    assert len(backups_of(path, folder)) == 1


async def test_a_new_database_needs_no_backup(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db", tmp_path / "backups")
    await db.close()
    assert backups_of(tmp_path / "bot.db", tmp_path / "backups") == []


async def test_no_migration_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await _database_at(path, 1)
    (tmp_path / "backups").write_text("a file where the folder should be")
    with pytest.raises(DatabaseError, match="обновление базы не начато"):
        await Database.open(path, tmp_path / "backups")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


async def test_every_migration_applies_to_the_database_of_the_previous_release(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(PREVIOUS_RELEASE.read_text(encoding="utf-8"))
        before = {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("users", "orders", "media")
        }
        released = conn.execute("PRAGMA user_version").fetchone()[0]
    assert released >= 1 and all(before.values())
    db = await Database.open(path, tmp_path / "backups")
    try:
        assert await db.schema_version() == len(available_migrations())
        for table, count in before.items():
            assert await db.fetchval(f"SELECT COUNT(*) FROM {table}") == count
        assert (await db.fetchone("PRAGMA foreign_key_check")) is None
    finally:
        await db.close()


# --- health ----------------------------------------------------------------------------------------


def _settings(tmp_path: Path, **changes: object):
    base = load_settings(env={"BOT_TOKEN": "123456:TEST-token-abcdef"}, env_file=tmp_path / "none.env")
    photo = tmp_path / "Photo"
    photo.mkdir(exist_ok=True)
    values = {"branch_photo": photo, "database_path": tmp_path / "bot.db", "backup_dir": tmp_path / "backups"}
    return dataclasses.replace(base, **{**values, **changes})


def test_check_database_verdicts(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    assert check.check_database(path).status == "warn"  # not created yet
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")
        conn.execute("CREATE TABLE x (a)")
    assert check.check_database(path).status == ("warn" if len(available_migrations()) > 1 else "ok")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    assert check.check_database(path).status == "fail"
    path.write_bytes(b"not a database at all" * 100)
    assert check.check_database(path).status == "fail"


def test_check_photo_folder_verdicts(tmp_path: Path) -> None:
    assert check.check_photo_folder(tmp_path).status == "ok"
    assert not (tmp_path / health.PROBE_NAME).exists()
    assert check.check_photo_folder(tmp_path / "missing").status == "fail"
    (tmp_path / "file").write_text("x")
    assert check.check_photo_folder(tmp_path / "file").status == "fail"


def test_check_disks_fails_under_the_limit(tmp_path: Path) -> None:
    assert {c.status for c in check.check_disks(_settings(tmp_path, min_free_disk_mb=0))} == {"ok"}
    assert {c.status for c in check.check_disks(_settings(tmp_path, min_free_disk_mb=1e12))} == {"fail"}


class _Alerts:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def __call__(self, text: str) -> None:
        self.sent.append(text)


async def test_heartbeat_is_written_and_alerts_come_once_per_incident(tmp_path: Path) -> None:
    settings = _settings(tmp_path, min_free_disk_mb=0)
    backlog = Backlog(3, 5.0)

    async def current_backlog() -> Backlog:
        return backlog

    alerts = _Alerts()
    monitor = health.Monitor(settings, current_backlog, alerts)
    await monitor.tick()
    beat = json.loads(health.heartbeat_path(settings.database_path).read_text(encoding="utf-8"))
    assert beat["outbox_pending"] == 3 and beat["photo_folder_ok"] is True and beat["unix"] > 0
    assert alerts.sent == []  # all is well: nobody is told

    settings.branch_photo.rename(tmp_path / "gone")
    backlog = Backlog(40, health.OUTBOX_ALERT_MINUTES * 60 + 1)
    await monitor.tick()
    await monitor.tick()  # still broken: no second alert
    assert len(alerts.sent) == 2
    assert str(settings.branch_photo) in alerts.sent[0] and "Фото не сохраняются" in alerts.sent[0]
    assert "в очереди 40" in alerts.sent[1]

    (tmp_path / "gone").rename(settings.branch_photo)
    backlog = Backlog(0, 0.0)
    await monitor.tick()
    assert alerts.sent[2:] == [
        texts.alert(texts.ALERT_PHOTO_FOLDER_OK, folder=settings.branch_photo),
        texts.ALERT_OUTBOX_OK,
    ]


async def test_low_disk_is_an_alert(tmp_path: Path) -> None:
    alerts = _Alerts()

    async def no_backlog() -> Backlog:
        return Backlog(0, 0.0)

    await health.Monitor(_settings(tmp_path, min_free_disk_mb=1e12), no_backlog, alerts).tick()
    assert len(alerts.sent) == 2 and all("Освободите место" in text for text in alerts.sent)


def test_check_names_the_report_font_or_what_to_install(tmp_path: Path) -> None:
    base = load_settings(env={"BOT_TOKEN": "123456:TEST-token-abcdef"}, env_file=tmp_path / "none.env")
    missing = check.check_report_font(dataclasses.replace(base, report_font=tmp_path / "none.ttf"))
    assert missing.status == "warn" and "none.ttf" in missing.detail and "REPORT_FONT" in missing.detail
    font = tmp_path / "font.ttf"
    font.write_bytes(b"ttf")
    assert check.check_report_font(dataclasses.replace(base, report_font=font)).status == "ok"


async def test_a_cancel_that_meets_the_storage_probe_is_not_swallowed(tmp_path: Path) -> None:
    """At shutdown the cancel may land in the tick the storage probe answers: the round must still end
    cancelled (asyncio.wait_for on Python 3.11 returned the answer and the round went on)."""

    async def no_backlog() -> Backlog:
        return Backlog(0, 0.0)

    monitor = health.Monitor(_settings(tmp_path), no_backlog, _Alerts())
    probe: asyncio.Future[health.Storage] = asyncio.get_running_loop().create_future()
    monitor._probe = probe  # a probe under way
    task = asyncio.create_task(monitor.tick())
    await asyncio.sleep(0)
    probe.set_result(health.Storage(None, 100.0, 100.0))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not health.heartbeat_path(tmp_path / "bot.db").exists()
