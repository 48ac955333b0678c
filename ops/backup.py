"""Backups of the bot's database: `python bot.py --backup` and the daily copy while the bot runs."""

from __future__ import annotations

import asyncio
import logging

import texts
from config import Settings
from database.backup import BackupError, backup_database, latest_backup_age

log = logging.getLogger(__name__)

DAY = 86400.0
CHECK_EVERY = 3600.0  # a restart does not reset the day: the age of the newest copy decides


def backup_command(settings: Settings) -> int:
    """Take a copy now, whether the bot runs or not; print where it went."""
    try:
        copy = backup_database(settings.database_path, settings.backup_dir, settings.backup_keep)
    except BackupError as exc:
        print(texts.BACKUP_FAILED.format(error=exc))
        return 1
    print(texts.BACKUP_DONE.format(path=copy, size=copy.stat().st_size / 1_000_000))
    return 0


async def backup_daily(settings: Settings, every: float = CHECK_EVERY) -> None:
    """Once a day (counted from the newest copy in BACKUP_DIR), keep BACKUP_KEEP copies."""
    while True:
        try:
            age = await asyncio.to_thread(latest_backup_age, settings.database_path, settings.backup_dir)
            if age is None or age >= DAY:
                copy = await asyncio.to_thread(
                    backup_database, settings.database_path, settings.backup_dir, settings.backup_keep
                )
                log.info("Daily database backup: %s", copy)
        except (BackupError, OSError) as exc:
            log.error("Daily database backup failed: %s", exc)
        await asyncio.sleep(every)
