"""Health: `python bot.py --check` (a report, exit 0/1) and, while the bot runs, a heartbeat file
next to the database plus alerts to the admins when the photo folder, the disk or the outbox fail.

The heartbeat (`bot.db.heartbeat`, JSON, rewritten every HEARTBEAT_SECONDS) is for monitoring: if its
`time` is older than a few minutes the bot is down or stuck; the counters say how it is doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import texts
from config import Settings
from database.health import Backlog, outbox_backlog, schema_state
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


# --- python bot.py --check ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    status: str  # ok | warn | fail
    title: str
    detail: str


def run_check(settings: Settings) -> int:
    """Print the report; 0 when nothing failed, 1 otherwise."""
    logging.basicConfig(level=logging.CRITICAL)  # the report says it all, once
    with contextlib.suppress(AttributeError, ValueError):  # a redirected Windows console: no Cyrillic
        sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    results = asyncio.run(collect(settings))
    print(texts.CHECK_TITLE)
    for result in results:
        print(texts.check_line(result.status, result.title, result.detail))
    failed = sum(result.status == "fail" for result in results)
    warned = any(result.status == "warn" for result in results)
    print(texts.check_failed(failed) if failed else texts.CHECK_WARNINGS if warned else texts.CHECK_ALL_OK)
    return 1 if failed else 0


def check_settings_failed(error: Exception) -> int:
    print(texts.CHECK_TITLE)
    print(texts.check_line("fail", texts.CHECK["settings"], str(error)))
    print(texts.check_failed(1))
    return 1


async def collect(settings: Settings) -> list[Check]:
    results = [Check("ok", texts.CHECK["settings"], texts.CHECK["settings_ok"])]
    results.append(await check_token(settings))
    results.append(await asyncio.to_thread(check_photo_folder, settings.branch_photo))
    results.append(await check_recognizers(settings))
    results.append(await asyncio.to_thread(check_database, settings.database_path))
    results.extend(await asyncio.to_thread(check_disks, settings))
    results.append(await asyncio.to_thread(check_backups, settings))
    return results


async def check_token(settings: Settings) -> Check:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    api = PRODUCTION
    if settings.telegram_api_url:
        api = TelegramAPIServer.from_base(settings.telegram_api_url, is_local=settings.telegram_api_local)
    bot = Bot(settings.bot_token, session=AiohttpSession(api=api))
    try:
        me = await bot.get_me(request_timeout=20)
    except TelegramUnauthorizedError:
        return Check("fail", texts.CHECK["telegram"], texts.CHECK["token_refused"])
    except (TelegramAPIError, TimeoutError, OSError) as exc:
        return Check(
            "fail",
            texts.CHECK["telegram"],
            texts.CHECK["no_connection"].format(
                server=settings.telegram_api_url or "api.telegram.org", error=exc
            ),
        )
    finally:
        await bot.session.close()
    return Check("ok", texts.CHECK["telegram"], texts.CHECK["token_ok"].format(username=me.username))


def check_photo_folder(folder: Path) -> Check:
    title = texts.CHECK["photo"].format(folder=folder)
    problem = probe_folder(folder)
    if problem is not None:
        return Check("fail", title, texts.CHECK["photo_bad"].format(problem=problem))
    orders = sum(1 for entry in folder.iterdir() if entry.is_dir())
    return Check("ok", title, texts.CHECK["photo_ok"].format(orders=orders))


async def check_recognizers(settings: Settings) -> Check:
    from services.recognition.errors import RecognitionUnavailable
    from services.recognition.worker import Recognizer

    recognizer = Recognizer(settings.branch_tesseract, ocr_engine=settings.ocr_engine)
    image = _blank_png()
    try:
        await recognizer.barcodes(image)
        await recognizer.plates(image)
    except RecognitionUnavailable as exc:
        return Check("fail", texts.CHECK["recognition"], texts.CHECK["recognition_bad"].format(error=exc))
    except Exception as exc:  # any other failure of the engines is just as fatal for the staff
        error = f"{type(exc).__name__}: {exc}"
        return Check("fail", texts.CHECK["recognition"], texts.CHECK["recognition_bad"].format(error=error))
    finally:
        await recognizer.close()
    return Check("ok", texts.CHECK["recognition"], texts.CHECK["recognition_ok"])


def check_database(path: Path) -> Check:
    title = texts.CHECK["database"].format(path=path)
    if not path.exists():
        return Check("warn", title, texts.CHECK["database_new"])
    try:
        state = schema_state(path)
    except sqlite3.Error as exc:
        return Check("fail", title, texts.CHECK["database_broken"].format(error=exc))
    if state.version > state.latest:
        return Check("fail", title, texts.CHECK["database_newer"].format(version=state.version))
    if state.version < state.latest:
        return Check(
            "warn", title, texts.CHECK["database_old"].format(version=state.version, latest=state.latest)
        )
    return Check("ok", title, texts.CHECK["database_ok"].format(version=state.version))


def check_disks(settings: Settings) -> list[Check]:
    results = []
    disks = (
        (texts.DISK_WHAT_PHOTO, settings.branch_photo),
        (texts.DISK_WHAT_DATABASE, settings.database_path.parent),
    )
    for what, path in disks:
        free = free_mb(path)
        title = texts.CHECK["disk"].format(what=what)
        if free is None:
            results.append(Check("warn", title, texts.CHECK["disk_unknown"]))
        elif free < settings.min_free_disk_mb:
            results.append(
                Check(
                    "fail", title, texts.CHECK["disk_low"].format(free=free, limit=settings.min_free_disk_mb)
                )
            )
        else:
            results.append(Check("ok", title, texts.CHECK["disk_ok"].format(free=free)))
    return results


def check_backups(settings: Settings) -> Check:
    from database.backup import latest_backup_age

    title = texts.CHECK["backups"].format(folder=settings.backup_dir)
    folder = settings.backup_dir
    problem = probe_folder(folder) if folder.exists() else None
    if problem is not None:
        return Check("fail", title, texts.CHECK["backups_bad"].format(problem=problem))
    age = latest_backup_age(settings.database_path, folder)
    if age is None:
        return Check("warn", title, texts.CHECK["backups_none"])
    if age > 2 * 86400:
        return Check("warn", title, texts.CHECK["backups_old"].format(days=age / 86400))
    return Check("ok", title, texts.CHECK["backups_ok"].format(hours=age / 3600))


def _blank_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "white").save(buffer, "PNG")
    return buffer.getvalue()


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
            return await asyncio.wait_for(asyncio.shield(self._probe), PROBE_TIMEOUT)
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
