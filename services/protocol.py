"""The conversation protocol: SQLite for the bot, plain .txt files for the dealer's archive.

Each entry is stored in SQLite first (idempotent by key), then appended to
`<order folder>/recording_dialog_<order>.txt` or, outside open orders, to
`BRANCH_PHOTO/all_recording_dialog.txt`, and only then marked archived; entries a crash left
unarchived are appended at the next start, so the archive never misses a line.

One record is one line, whatever people type: control characters, terminal escape sequences and
bidi overrides are removed from every field (names too), so nobody can forge a line or hide text
from someone reading the file in a terminal or Notepad; a newline in a message is kept visible as
" ↵ ". The files are opened without following links (services/share_paths.py): an order folder or
protocol file that is a link is refused, logged once, and its lines go to the general file with
the order number, so nothing is lost and nothing is written outside BRANCH_PHOTO.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
import unicodedata
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from database.protocol import ProtocolEntry, ProtocolRepo, StoredEntry
from services.group_commit import GroupCommit
from services.share_paths import UnsafePath, append_text, check_dir

log = logging.getLogger(__name__)

GENERAL_FILE = "all_recording_dialog.txt"
GROUP_SECONDS = 0.05  # lines queued meanwhile are appended together


def order_protocol_name(order_number: str) -> str:
    return f"recording_dialog_{order_number}.txt"


NEWLINE_MARK = " ↵ "
# ESC sequences: CSI (colours, cursor moves), OSC (window titles, links) ended by BEL or ST, and
# the two-character ones; then C1 CSI/OSC written as single characters.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
_NEWLINES = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})  # joiners inside emoji and Persian/Indic words


def one_line(text: str | None, newline: str = " ") -> str:
    """`text` made safe for one protocol line: escapes and control/format characters removed,
    line breaks shown as `newline`, runs of spaces collapsed."""
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    parts = []
    for piece in _NEWLINES.split(text):
        kept = "".join(
            " " if ch == "\t" else ch
            for ch in piece
            if ch == "\t" or ch in _KEEP_FORMAT or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
        )
        parts.append(" ".join(kept.split()))
    return newline.join(part for part in parts if part)


def format_line(
    stored: StoredEntry, with_order: bool = False, stages: Mapping[str, str] | None = None
) -> str:
    """One protocol line. `stages` (a stage folder -> its label) is for people reading it in Telegram:
    a file is named by its name and stage label («фото IMG_1.jpg, этап «Прием автомобилей»»), never
    by a folder or a Telegram file id; the archive file keeps the real path."""
    entry = stored.entry
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stored.at))
    shown = entry.order_number and (with_order or entry.order_id is None)
    order = f"[{one_line(entry.order_number)}] " if shown else ""
    body = one_line(entry.text, NEWLINE_MARK)
    if stages is not None and not entry.file_path and entry.kind in KIND_WORDS:
        body = _FILE_ID_LABEL.sub(lambda found: f"[{found[1]}]", body, count=1)  # lines stored before 16.3
    if entry.file_path:
        if stages is not None:
            body = f"[{file_words(entry.kind, entry.file_path, stages)}] {body}".rstrip()
        else:
            body = f"[{one_line(entry.kind)}: {one_line(entry.file_path)}] {body}".rstrip()
    sender, recipient = one_line(entry.sender_name), one_line(entry.recipient)
    return f"{stamp} | {order}{sender} -> {recipient}: {body}\n"


KIND_WORDS = {"photo": "фото", "video": "видео", "document": "документ"}
# "[фото: <Telegram file id>]": how a file that was not kept in a folder used to be named.
_FILE_ID_LABEL = re.compile(r"^\[(фото|видео|документ): [A-Za-z0-9_-]{16,}\]")


def file_words(kind: str, file_path: str, stages: Mapping[str, str]) -> str:
    """`<order>/<stage folder>/<file>` in words: «фото IMG_1.jpg, этап «Прием автомобилей»»."""
    parts = file_path.split("/")
    words = f"{KIND_WORDS.get(kind, one_line(kind))} {one_line(parts[-1])}"
    if len(parts) >= 3:
        words += f", этап «{one_line(_stage_label(parts[1], stages))}»"
    return words


def _stage_label(folder: str, stages: Mapping[str, str]) -> str:
    """A stage folder's label; folders made by hand on a Windows share ("inspection") match too."""
    if folder in stages:
        return stages[folder]
    wanted = folder.casefold()
    return next((label for known, label in stages.items() if known.casefold() == wanted), folder)


class Protocol:
    def __init__(self, repo: ProtocolRepo, root: Path) -> None:
        self._repo = repo
        self._root = root
        # One writer thread: appends to a file never interleave, on Windows too.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="protocol")
        # Lines in groups: one trip to the writer thread and one "archived" mark per group. Errors are
        # handled per file in `_write_group`; an entry not marked is appended again at the next start.
        self._lines = GroupCommit(self._write_group, name="protocol-files", gather_seconds=GROUP_SECONDS)
        self._failing: dict[Path, str] = {}  # files that could not be written, with the last error

    async def record(self, entry: ProtocolEntry) -> None:
        """Store the entry; its line reaches the archive file a moment later, with others."""
        stored = await self._repo.add(entry)
        if stored is not None:
            self._queue_line(stored)

    async def archive_pending(self) -> None:
        """At start-up: append what a crash left unarchived."""
        for stored in await self._repo.unarchived():
            self._queue_line(stored)

    async def entries(self, order_id: int | None) -> list[StoredEntry]:
        return await (self._repo.general() if order_id is None else self._repo.for_order(order_id))

    def _target(self, entry: ProtocolEntry) -> Path:
        if entry.order_id is not None and entry.order_number:
            return self._root / entry.order_number / order_protocol_name(entry.order_number)
        return self._root / GENERAL_FILE

    def _queue_line(self, stored: StoredEntry) -> None:
        self._lines.add(stored)

    async def _write_group(self, group: list[StoredEntry]) -> None:
        """Append a group of lines, then mark them archived. Until marked, an entry is appended
        again at the next start, so a crash can repeat a line but never lose one."""
        loop = asyncio.get_running_loop()
        general = self._root / GENERAL_FILE
        lines = [
            (self._target(stored.entry), format_line(stored), format_line(stored, with_order=True))
            for stored in group
        ]
        try:
            failures = await loop.run_in_executor(self._writer, _append_all, lines, general)
        except Exception as exc:  # kept in SQLite; retried at the next start
            failures = {target: exc for target, _, _ in lines}
        for target, error in failures.items():
            if self._failing.get(target) != str(error):  # a lasting problem: one line, not one a write
                log.error("Could not append to the protocol file %s: %s", target, error)
            self._failing[target] = str(error)
        for target, _, _ in lines:
            if target not in failures and self._failing.pop(target, None) is not None:
                log.info("The protocol file %s is writable again", target)
        written = [
            stored.id for stored, (target, _, _) in zip(group, lines, strict=True) if target not in failures
        ]
        try:
            await self._repo.mark_archived(written)
        except sqlite3.Error as exc:  # the lines are in the files; the next start appends them again
            log.error("Could not mark %d protocol entries archived: %s", len(written), exc)

    async def flush(self) -> None:
        """At shutdown: write what is queued."""
        await self._lines.flush()
        self._writer.shutdown(wait=True)


def _append_all(lines: list[tuple[Path, str, str]], fallback: Path) -> dict[Path, Exception]:
    """Append each line to its file (in order, each file opened once, never through a link). An
    order folder removed meanwhile, or one that is a link, sends its lines (with the order number)
    to the general file. Returns the files that could not be written."""
    by_file: dict[Path, list[tuple[str, str]]] = {}
    for path, line, general_line in lines:
        by_file.setdefault(path, []).append((line, general_line))
    failures: dict[Path, Exception] = {}
    root = fallback.parent
    for path, texts in by_file.items():
        try:
            if path != fallback and _order_folder_usable(root, path):
                try:
                    append_text(path, "".join(line for line, _ in texts))
                    continue
                except UnsafePath:  # the protocol file is a link or a FIFO: refused, logged once
                    pass
            append_text(fallback, "".join(general for _, general in texts))
        except OSError as exc:
            failures[path] = exc
    return failures


def _order_folder_usable(root: Path, path: Path) -> bool:
    """The order folder is a real folder directly in the share; False if gone. A link to a
    protocol file makes `append_text` raise; the lines then go to the general file."""
    try:
        return check_dir(root, path.parent.name, missing_ok=True)
    except UnsafePath:
        return False
