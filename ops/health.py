"""Health while the bot runs: a heartbeat file next to the database plus alerts to the admins when
the photo folder, the disk or the outbox fail; the storage probes `python bot.py --check` (ops/check.py)
uses too.

The heartbeat (`bot.db.heartbeat`, JSON, rewritten every HEARTBEAT_SECONDS) is for monitoring: if its
`time` is older than a few minutes the bot is down or stuck; the counters say how it is doing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import texts
from config import Settings
from database.health import Backlog, outbox_backlog
from services import periodic

if TYPE_CHECKING:
    from database.connection import Database
    from database.users import UserRepo
    from runtime.outbox import Outbox

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
OUTBOX_ALERT_MINUTES = 10  # a delivery waiting longer than this means the outbox has backed up
PROBE_TIMEOUT = 20.0  # a network share that does not answer within this is "unavailable"
PROBE_NAME = ".bot-health-probe"


def heartbeat_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".heartbeat")


# --- storage probes (blocking: run them in a thread) -----------------------------------------


def probe_folder(folder: Path) -> str | None:
    """None if the bot can list, write and delete in `folder`; else why not (for people)."""
    if not folder.is_dir():
        return texts.FOLDER_MISSING if not folder.exists() else texts.FOLDER_NOT_A_FOLDER
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
        probe = folder / PROBE_NAME
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def free_mb(path: Path) -> float | None:
    """Free space on the disk of `path` (or its nearest existing parent), None if unknown."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free / 1_000_000
            except OSError:
                return None
    return None


# --- while running: heartbeat and alerts ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Storage:
    photo_problem: str | None
    free_photo_mb: float | None
    free_database_mb: float | None


def probe_storage(settings: Settings) -> Storage:
    return Storage(
        probe_folder(settings.branch_photo),
        free_mb(settings.branch_photo),
        free_mb(settings.database_path.parent),
    )


AlertSink = Callable[[str], Awaitable[None]]


class Monitor:
    """Every HEARTBEAT_SECONDS: probe storage and the outbox, rewrite the heartbeat file, and tell
    the admins once when something breaks and once when it is back (not at every round)."""

    def __init__(
        self, settings: Settings, backlog: Callable[[], Awaitable[Backlog]], alert: AlertSink
    ) -> None:
        self._settings = settings
        self._backlog = backlog
        self._alert = alert
        self._path = heartbeat_path(settings.database_path)
        self._started = time.time()
        self._open: dict[str, bool] = {}
        self._probe: asyncio.Future[Storage] | None = None

    async def run(self, every: float = HEARTBEAT_SECONDS) -> None:
        await periodic.every(every, self.tick, log, "Health round failed")  # outlives what it watches

    async def tick(self) -> dict[str, Any]:
        storage = await self._storage()
        backlog = await self._backlog()
        beat = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "unix": round(time.time()),
            "pid": os.getpid(),
            "uptime_seconds": round(time.time() - self._started),
            "outbox_pending": backlog.pending,
            "outbox_oldest_seconds": round(backlog.oldest_age),
            "photo_folder_ok": storage.photo_problem is None,
            "free_mb_photo": _rounded(storage.free_photo_mb),
            "free_mb_database": _rounded(storage.free_database_mb),
        }
        await asyncio.to_thread(_write_atomically, self._path, json.dumps(beat, ensure_ascii=False))
        await self._alerts(storage, backlog)
        return beat

    async def _storage(self) -> Storage:
        """A hung network share must not hang the monitor: a probe still running counts as down."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.ensure_future(asyncio.to_thread(probe_storage, self._settings))
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns an answer that meets a cancel
            # (at shutdown) and swallows the cancel.
            async with asyncio.timeout(PROBE_TIMEOUT):
                return await asyncio.shield(self._probe)
        except TimeoutError:
            return Storage(texts.FOLDER_NOT_ANSWERING, None, None)

    async def _alerts(self, storage: Storage, backlog: Backlog) -> None:
        s = self._settings
        folder = s.branch_photo
        await self._state(
            "photo",
            storage.photo_problem is not None,
            lambda: texts.alert(texts.ALERT_PHOTO_FOLDER, folder=folder, error=storage.photo_problem),
            lambda: texts.alert(texts.ALERT_PHOTO_FOLDER_OK, folder=folder),
        )
        for key, what, free in (
            ("disk_photo", texts.DISK_WHAT_PHOTO, storage.free_photo_mb),
            ("disk_database", texts.DISK_WHAT_DATABASE, storage.free_database_mb),
        ):
            low = free is not None and free < s.min_free_disk_mb
            shown = f"{free or 0:.0f}"
            await self._state(
                key,
                low,
                lambda what=what, shown=shown: texts.alert(
                    texts.ALERT_DISK, what=what, free=shown, limit=f"{s.min_free_disk_mb:.0f}"
                ),
                lambda what=what, shown=shown: texts.alert(texts.ALERT_DISK_OK, what=what, free=shown),
            )
        await self._state(
            "outbox",
            backlog.oldest_age > OUTBOX_ALERT_MINUTES * 60,
            lambda: texts.alert(
                texts.ALERT_OUTBOX, count=backlog.pending, minutes=round(backlog.oldest_age / 60)
            ),
            lambda: texts.ALERT_OUTBOX_OK,
        )

    async def _state(
        self, key: str, bad: bool, broken: Callable[[], str], restored: Callable[[], str]
    ) -> None:
        was_bad = self._open.get(key, False)
        if bad == was_bad:
            return
        self._open[key] = bad
        text = broken() if bad else restored()
        (log.error if bad else log.warning)("Health alert to admins: %s", text)
        await self._alert(text)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text + "\n", encoding="utf-8")
    os.replace(partial, path)


def build_monitor(settings: Settings, db: Database, users: UserRepo, outbox: Outbox) -> Monitor:
    """Alerts go to every active admin through the outbox (they survive a restart and a 429)."""
    from database.outbox import Delivery, Method
    from database.users import Level

    async def alert(text: str) -> None:
        admins = await users.active_with_level(Level.ADMIN)
        await outbox.enqueue([Delivery(a.telegram_id, Method.MESSAGE, {"text": text}) for a in admins])

    return Monitor(settings, lambda: outbox_backlog(db), alert)
