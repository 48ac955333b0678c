"""`python bot.py --demo`: the whole bot on sample order folders, a throw-away database and logs.

A dealer points a test token at it and tries every role before touching real folders: the first
person to share a contact becomes the administrator (settings.demo), who then gives roles to others.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import tempfile
from pathlib import Path

import texts
from config import Settings, bot_folder

SAMPLE_ORDERS = bot_folder() / "tests" / "fixtures" / "orders"


def demo_settings(settings: Settings, root: Path | None = None) -> Settings:
    """Copy the sample orders into a new temporary folder; everything the bot writes goes there."""
    root = root if root is not None else Path(tempfile.mkdtemp(prefix="dealer-bot-demo-"))
    photo = root / "Photo"
    shutil.copytree(SAMPLE_ORDERS, photo)
    for path in [photo, *photo.rglob("*")]:  # a read-only checkout must not make the copy read-only
        path.chmod(path.stat().st_mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))
    for order in photo.iterdir():  # the calendar dates orders by their folder: the samples are today's
        os.utime(order)
    return dataclasses.replace(
        settings,
        branch_photo=photo,
        database_path=root / "bot.db",
        log_dir=root / "logs",
        backup_dir=root / "backups",
        demo=True,
    )


def banner(settings: Settings) -> str:
    return texts.DEMO_BANNER.format(photo=settings.branch_photo, database=settings.database_path)
