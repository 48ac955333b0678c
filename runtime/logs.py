"""Logs go to the console and to a rotating file, in UTF-8 whatever the Windows console uses."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(log_dir: Path, level: str) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(log_dir / "bot.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        )
    except OSError as exc:  # logging to the console still works; say why the file does not
        print(f"Журнал в файл недоступен ({log_dir}): {exc}", file=sys.stderr)
    logging.basicConfig(level=level, format=FORMAT, handlers=handlers, force=True)
    # aiogram logs every update at INFO; that is noise at hundreds of messages per second.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
