"""`python bot.py --check`: a report of what the bot needs (settings, Telegram, the photo folder,
recognition, the database, disks, backups), one line each; exit status 0 when nothing failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import texts
from config import Settings
from database.health import schema_state
from ops.health import free_mb, probe_folder
from services.inspection.report import find_font


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
    results.append(await asyncio.to_thread(check_report_font, settings))
    return results


def check_report_font(settings: Settings) -> Check:
    """The PDF report needs a TTF with Cyrillic; without one the bot runs, but sends no reports."""
    found = find_font(settings.report_font)
    if found is None:
        return Check("warn", texts.CHECK_REPORT_FONT, texts.check_report_font_missing(settings.report_font))
    return Check("ok", texts.CHECK_REPORT_FONT, found[0])


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
