"""Logs go to the console and to a rotating file, in UTF-8 whatever the Windows console uses.

Every record passes `SecretFilter` on its way to either: the bot token (in a download URL, an
exception text, anything) is replaced by "***" before it is written. Code does not log URLs in the
first place; this is the second line of defence.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MASK = "***"


class SecretFilter(logging.Filter):
    """Masks secrets in the message, its arguments, the exception text and the stack of a record."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # The whole token and its secret half (a URL-encoded token keeps the half intact).
        parts = {part for secret in secrets if secret for part in (secret, secret.partition(":")[2])}
        self._secrets = sorted((part for part in parts if len(part) >= 8), key=len, reverse=True)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self._mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._mask(record.stack_info)
        return True

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def setup_logging(log_dir: Path, level: str, secrets: Iterable[str] = ()) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(log_dir / "bot.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
        )
    except OSError as exc:  # logging to the console still works; say why the file does not
        print(f"Журнал в файл недоступен ({log_dir}): {exc}", file=sys.stderr)
    masking = SecretFilter(secrets)
    for handler in handlers:  # on the handlers: records of every logger, propagated or not, pass here
        handler.addFilter(masking)
    logging.basicConfig(level=level, format=FORMAT, handlers=handlers, force=True)
    # aiogram logs every update at INFO; that is noise at hundreds of messages per second.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
