"""Read-only figures for the heartbeat and the alerts (ops/health.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from database.connection import Database, available_migrations


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int  # deliveries not yet sent
    oldest_age: float  # seconds the oldest of them has waited; 0 when none


async def outbox_backlog(db: Database) -> Backlog:
    row = await db.fetchone("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'pending'")
    count, oldest = (row[0], row[1]) if row else (0, None)
    return Backlog(int(count), max(0.0, time.time() - oldest) if oldest is not None else 0.0)


@dataclass(frozen=True, slots=True)
class SchemaState:
    version: int  # PRAGMA user_version of the file
    latest: int  # migrations this version of the bot has


def schema_state(path: Path) -> SchemaState:
    """Open the file read-only (no migration, nothing created) and read its schema version."""
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # reads a page: not garbage
    return SchemaState(version, len(available_migrations()))
