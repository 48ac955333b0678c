"""Online backups of the SQLite database with the sqlite3 backup API, and their rotation.

A file copy of a live WAL database can catch the main file and the WAL at different moments and
be unusable; the backup API copies a consistent snapshot while the bot keeps writing. Each copy is
written to `.part`, checked, converted to a single self-contained file, then renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_S = 10.0


class BackupError(Exception):
    """The backup could not be made or is damaged; the message says why."""


def backup_database(source: Path, folder: Path, keep: int, label: str = "") -> Path:
    """Copy `source` into `folder` as `<name>-<YYYYmmdd-HHMMSS><label>.db`, keep the newest `keep`."""
    if not source.is_file():
        raise BackupError(f"базы {source} нет")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"папка для копий {folder} недоступна: {exc}") from exc
    target = _new_name(source, folder, label)
    partial = target.with_name(target.name + ".part")
    try:
        partial.unlink(missing_ok=True)
        with (
            contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            # In one step: a copy made in steps starts over whenever the bot writes between them, and
            # may never finish; in WAL mode one long read does not hold the bot's writers back.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"копия повреждена: {verdict}")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"не удалось сделать копию {source} в {folder}: {exc}") from exc
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    rotate(source, folder, keep)
    return target


def backups_of(source: Path, folder: Path) -> list[Path]:
    """This database's backups in `folder`, oldest first (the names sort by time)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{source.stem}-*.db") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def rotate(source: Path, folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns what was deleted."""
    old = backups_of(source, folder)[: -keep or None] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def latest_backup_age(source: Path, folder: Path) -> float | None:
    """Seconds since the newest backup was made, None when there is none."""
    existing = backups_of(source, folder)
    return time.time() - existing[-1].stat().st_mtime if existing else None


def _new_name(source: Path, folder: Path, label: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{source.stem}-{stamp}{label}.db"
    number = 1
    while target.exists():  # two copies in one second: keep both
        number += 1
        target = folder / f"{source.stem}-{stamp}-{number}{label}.db"
    return target
