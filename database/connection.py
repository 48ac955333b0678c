"""One SQLite connection per process, shared by all tasks, with numbered migrations.

aiosqlite runs everything on one worker thread, one call after another. A transaction awaited
statement by statement could be interleaved with another task's statements, committing or
rolling back their work too; so a unit of work of several statements is a plain function that
runs on that thread in one call (`run()`, `read()`): nothing can come between its statements,
and no lock is needed. It is also one round trip instead of several, and a round trip costs
more CPU than a small indexed statement itself. aiosqlite has no public call for "run this
function on your thread": both use `_execute`, the one its own execute() and executemany() use
(the version is pinned in requirements.txt).

Durability: WAL with `synchronous=NORMAL` survives a process crash, and a power cut loses at most
the newest commits, never an older one without the newer (the WAL is replayed in order and stops
at the first frame that did not reach the disk). Where the bot is about to tell Telegram "received"
(the inbox), it calls `sync_wal()`: an fsync of the WAL file on a worker thread, after which every
commit made so far is on disk, as `synchronous=FULL` would have it, but without holding the
database thread (every other query) during the fsync. `run(..., durable=True)` is the plain
`synchronous=FULL` commit, kept for comparison: bench/durability.py prints both costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from database.backup import BackupError, backup_database

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_SECONDS = 5.0

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


class DatabaseError(Exception):
    """The database cannot be opened or upgraded (locked, read-only, newer than this bot)."""


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    async def open(cls, path: Path, backup_dir: Path | None = None, backup_keep: int = 14) -> Database:
        """Connect (WAL, foreign keys, busy timeout) and apply pending migrations; with `backup_dir`,
        a database that has data and pending migrations is backed up there first."""
        if path.is_dir():
            raise DatabaseError(f"{path} — это папка, а не файл базы данных")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, aiosqlite.Error) as exc:
            raise DatabaseError(f"не удалось открыть базу {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await db._configure()
            if backup_dir is not None:
                await db._backup_before_upgrade(backup_dir, backup_keep)
            await db.migrate()
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, aiosqlite.Error):
                raise DatabaseError(f"база {path} недоступна: {exc}") from exc
            raise
        return db

    async def _configure(self) -> None:
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await self._conn.execute("PRAGMA journal_mode = WAL")
        await self._conn.execute("PRAGMA synchronous = NORMAL")
        # Checkpoints run beside the queries (checkpoint_periodically), not inside a commit.
        await self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        await self._conn.execute("PRAGMA foreign_keys = ON")

    async def sync_wal(self) -> None:
        """fsync the WAL: all commits so far survive a power cut (see the module doc)."""
        await asyncio.to_thread(_fsync_file, self.path.with_name(self.path.name + "-wal"))

    async def close(self) -> None:
        await self._conn.close()

    # --- WAL checkpoints ------------------------------------------------------------------

    async def checkpoint(self) -> tuple[int, int]:
        """Copy committed pages from the WAL into the database file, on a connection and a
        thread of its own; returns (frames in the WAL, frames copied)."""
        return await asyncio.to_thread(_checkpoint, self.path)

    async def checkpoint_periodically(self, every: float = CHECKPOINT_SECONDS) -> None:
        """SQLite would checkpoint inside whichever commit fills the WAL, and every query queued
        behind that commit would wait for its fsync; done here, nobody waits for it."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.checkpoint()
            except sqlite3.Error as exc:  # busy or locked: the next round catches up
                log.warning("WAL checkpoint skipped: %s", exc)

    # --- migrations -----------------------------------------------------------------------

    async def _backup_before_upgrade(self, folder: Path, keep: int) -> None:
        """An upgrade that goes wrong must be undoable: no migration runs without a fresh copy."""
        current, latest = await self.schema_version(), len(available_migrations())
        if not 0 < current < latest:  # new database, or nothing to apply
            return
        try:
            copy = await asyncio.to_thread(backup_database, self.path, folder, keep, f"-before-v{latest}")
        except BackupError as exc:
            raise DatabaseError(f"обновление базы не начато, потому что {exc}") from exc
        log.info("Database backed up before migrating %d -> %d: %s", current, latest, copy)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, target: int | None = None) -> int:
        """Apply migrations newer than PRAGMA user_version, each in its own transaction."""
        scripts = available_migrations()
        latest = len(scripts) if target is None else target
        current = await self.schema_version()
        if current > len(scripts):
            raise DatabaseError(
                f"база создана более новой версией бота (схема {current}, эта версия знает {len(scripts)})"
            )
        for number, script in enumerate(scripts[current:latest], start=current + 1):
            log.info("Applying database migration %04d (%s)", number, script.name)
            sql = script.read_text(encoding="utf-8")
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        return max(current, latest)

    # --- queries --------------------------------------------------------------------------

    # One round trip to the database thread each: execute_fetchall runs, fetches and closes there.

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def write(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """Run one statement (atomic on its own); the cursor gives lastrowid and rowcount."""
        return await self._conn.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params], durable: bool = False) -> None:
        """One statement over many rows, in one transaction; no rows, no round trip."""
        rows = list(rows)
        if not rows:
            return
        await self.run(lambda conn: conn.executemany(sql, rows), durable=durable)

    async def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run several reads on the database thread in one round trip; nothing else runs there
        meanwhile, so they see the same data."""
        return await self._conn._execute(query, self._conn._conn)

    async def run(self, work: Callable[[sqlite3.Connection], T], durable: bool = False) -> T:
        """Run `work(connection)` on the database thread as one transaction, in one round trip.

        `work` is plain synchronous sqlite3 code: it must not touch the event loop. What it
        returns is returned; if it raises, everything it wrote is rolled back. `durable`: the
        commit survives a power cut once this returns (an fsync of the WAL, see the module doc).
        """
        return await self._conn._execute(_in_transaction, self._conn._conn, work, durable)


def _in_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T], durable: bool) -> T:
    if durable:  # for this commit only; synchronous cannot change inside a transaction
        conn.execute("PRAGMA synchronous = FULL")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        if durable:
            conn.execute("PRAGMA synchronous = NORMAL")
    return result


def _fsync_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)  # Windows flushes only writable
    except FileNotFoundError:
        return  # no WAL yet (nothing written) or just checkpointed away: nothing to flush
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checkpoint(path: Path) -> tuple[int, int]:
    # PASSIVE: copies what it can without waiting for (or blocking) the bot's own connection.
    with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        _busy, in_wal, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(in_wal), int(copied)


def available_migrations() -> list[Path]:
    """Migration scripts `NNNN_name.sql`, in order; their count is the newest schema version."""
    scripts = sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    for expected, script in enumerate(scripts, start=1):
        if int(script.name[:4]) != expected:
            raise DatabaseError(f"миграции должны идти подряд: нет {expected:04d}, есть {script.name}")
    return scripts
