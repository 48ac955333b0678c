"""Attention words: a client message containing one of them goes to the admins at once.

The list lives in `database/attention_words.py`, a file the dealer edits by hand. It is never
imported: the file is parsed with `ast` and only the `ATTENTION_WORDS = [...]` literal is read,
so a typo cannot run code or stop the bot. The file's mtime is checked at most every
`check_every` seconds (when a client message arrives); a broken file keeps the previous list and
the reason is logged once per change of the file.

Alerts are rate-limited per client: one alert per client per `ALERT_WINDOW_SECONDS`. Later
messages with attention words in that window still reach whoever the client talks to; the admins
are not paged again. So a stranger repeating «плохо» a hundred times costs the admins one alert,
and the real alerts of other clients are not queued behind theirs.
"""

from __future__ import annotations

import ast
import logging
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

VARIABLE = "ATTENTION_WORDS"
DEFAULT_WORDS = ("плох", "гряз", "разочаров", "не нрав", "низко", "дорог")
ALERT_WINDOW_SECONDS = 600.0


class AttentionFileError(ValueError):
    """The words file cannot be read as a list of strings; the message says why (for the log)."""


def normalize(text: str) -> str:
    """Case-insensitive, ё = е, runs of whitespace as one space."""
    return " ".join(text.casefold().replace("ё", "е").split())


def parse_words(source: str) -> tuple[str, ...]:
    """Normalized words of the `ATTENTION_WORDS = [...]` assignment; raise AttentionFileError."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise AttentionFileError(f"синтаксическая ошибка в строке {exc.lineno}: {exc.msg}") from exc
    value: ast.expr | None = None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(target, ast.Name) and target.id == VARIABLE for target in targets):
            value = node.value  # type: ignore[union-attr]
    if value is None:
        raise AttentionFileError(f"нет присваивания {VARIABLE} = [...]")
    try:
        words = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise AttentionFileError(f"{VARIABLE} должен быть списком строк в кавычках") from exc
    if not isinstance(words, (list, tuple, set)) or not all(isinstance(word, str) for word in words):
        raise AttentionFileError(f"{VARIABLE} должен быть списком строк в кавычках")
    return tuple(dict.fromkeys(w for w in (normalize(word) for word in words) if w))


class AlertWindow:
    """Remembers when each client last caused an alert; one per client per `seconds`."""

    def __init__(
        self, seconds: float = ALERT_WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def due(self, client_id: int) -> bool:
        last = self._last.get(client_id)
        return last is None or self._clock() - last >= self._seconds

    def note(self, client_id: int) -> None:
        now = self._clock()
        if len(self._last) > 1000:  # forget windows that are over: the map stays small
            self._last = {key: at for key, at in self._last.items() if now - at < self._seconds}
        self._last[client_id] = now


class AttentionWords:
    def __init__(
        self,
        path: Path,
        check_every: float = 3.0,
        alerts: AlertWindow | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.alerts = alerts or AlertWindow(clock=clock)
        self._clock = clock
        self._path = path
        self._check_every = check_every
        self._words: tuple[str, ...] = DEFAULT_WORDS
        self._loaded_stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the list in use
        self._failed_stamp: tuple[int, int] | None = None  # of a broken version already logged
        self._next_check = 0.0

    @property
    def words(self) -> tuple[str, ...]:
        self._maybe_reload()
        return self._words

    def find(self, text: str | None) -> str | None:
        """The first attention word contained in `text`, or None."""
        if not text:
            return None
        words = self.words
        haystack = normalize(text)
        return next((word for word in words if word in haystack), None)

    def _maybe_reload(self) -> None:
        now = self._clock()
        if now < self._next_check:
            return
        self._next_check = now + self._check_every
        try:
            st = self._path.stat()
        except OSError as exc:
            stamp = (-1, -1)
            if stamp != self._failed_stamp:
                self._failed_stamp = stamp
                log.error("Attention words file %s unreadable (%s); list kept", self._path, exc)
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp in (self._loaded_stamp, self._failed_stamp):
            return
        try:
            words = parse_words(self._path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, AttentionFileError) as exc:
            self._failed_stamp = stamp
            log.error("Attention words file %s is broken (%s); keeping the previous list", self._path, exc)
            return
        self._words, self._loaded_stamp, self._failed_stamp = words, stamp, None
        log.info("Attention words loaded from %s: %s", self._path, ", ".join(words))
