"""One SQLite connection per process, shared by all tasks, with numbered migrations.

aiosqlite runs every statement on one worker thread, so statements never race. What can race
is a *transaction*: two tasks interleaving statements on one connection would commit or roll
back each other's work. Every write therefore goes through `write()` or `transaction()`, which
take one asyncio lock; plain reads need no lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000

Params = Sequence[Any] | dict[str, Any]


class DatabaseError(Exception):
    """The database cannot be opened or upgraded (locked, read-only, newer than this bot)."""


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Connect (WAL, foreign keys, busy timeout) and apply pending migrations."""
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
        await self._conn.execute("PRAGMA foreign_keys = ON")

    async def close(self) -> None:
        await self._conn.close()

    # --- migrations -----------------------------------------------------------------------

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
            async with self._write_lock:
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
        """Run one statement atomically; the cursor gives lastrowid and rowcount."""
        async with self._write_lock:
            return await self._conn.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements that commit together or not at all."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")


def available_migrations() -> list[Path]:
    """Migration scripts `NNNN_name.sql`, in order; their count is the newest schema version."""
    scripts = sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    for expected, script in enumerate(scripts, start=1):
        if int(script.name[:4]) != expected:
            raise DatabaseError(f"миграции должны идти подряд: нет {expected:04d}, есть {script.name}")
    return scripts
