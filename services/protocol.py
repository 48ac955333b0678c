"""The conversation protocol: SQLite for the bot, plain .txt files for the dealer's archive.

Each entry is stored in SQLite first (idempotent by key), then appended to
`<order folder>/recording_dialog_<order>.txt` or, outside open orders, to
`BRANCH_PHOTO/all_recording_dialog.txt`, and only then marked archived; entries a crash left
unarchived are appended at the next start, so the archive never misses a line.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from database.protocol import ProtocolEntry, ProtocolRepo, StoredEntry

log = logging.getLogger(__name__)

GENERAL_FILE = "all_recording_dialog.txt"
GROUP_SECONDS = 0.05  # lines queued meanwhile are appended together


def order_protocol_name(order_number: str) -> str:
    return f"recording_dialog_{order_number}.txt"


def format_line(stored: StoredEntry) -> str:
    entry = stored.entry
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stored.at))
    order = f"[{entry.order_number}] " if entry.order_number and entry.order_id is None else ""
    body = " ".join(entry.text.split()) if entry.text else ""
    if entry.file_path:
        body = f"[{entry.kind}: {entry.file_path}] {body}".rstrip()
    return f"{stamp} | {order}{entry.sender_name} -> {entry.recipient}: {body}\n"


class Protocol:
    def __init__(self, repo: ProtocolRepo, root: Path) -> None:
        self._repo = repo
        self._root = root
        # One writer thread: appends to a file never interleave, on Windows too.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="protocol")
        self._queued: list[StoredEntry] = []
        self._writing: asyncio.Task[None] | None = None

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
        self._queued.append(stored)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_queued(), name="protocol-files")

    async def _write_queued(self) -> None:
        """Append queued lines in groups: one trip to the writer thread and one "archived" mark
        per group, however busy the conversations are. Until marked, an entry is appended again
        at the next start, so a crash can repeat a line but never lose one."""
        loop = asyncio.get_running_loop()
        general = self._root / GENERAL_FILE
        while self._queued:
            await asyncio.sleep(GROUP_SECONDS)
            group, self._queued = self._queued, []
            lines = [(self._target(stored.entry), format_line(stored)) for stored in group]
            try:
                failures = await loop.run_in_executor(self._writer, _append_all, lines, general)
            except Exception as exc:  # kept in SQLite; retried at the next start
                failures = {target: exc for target, _ in lines}
            for target, error in failures.items():
                log.error("Could not append to the protocol file %s: %s", target, error)
            written = [
                stored.id for stored, (target, _) in zip(group, lines, strict=True) if target not in failures
            ]
            try:
                await self._repo.mark_archived(written)
            except sqlite3.Error as exc:  # the lines are in the files; the next start appends them again
                log.error("Could not mark %d protocol entries archived: %s", len(written), exc)

    async def flush(self) -> None:
        """At shutdown: write what is queued."""
        if self._writing is not None:
            await self._writing
        self._writer.shutdown(wait=True)


def _append_all(lines: list[tuple[Path, str]], fallback: Path) -> dict[Path, Exception]:
    """Append each line to its file (in order, each file opened once); an order folder removed
    meanwhile falls back to the general file. Returns the files that could not be written."""
    by_file: dict[Path, list[str]] = {}
    for path, line in lines:
        by_file.setdefault(path, []).append(line)
    failures: dict[Path, Exception] = {}
    for path, texts in by_file.items():
        try:
            with (path if path.parent.is_dir() else fallback).open("a", encoding="utf-8", newline="") as file:
                file.write("".join(texts))
        except OSError as exc:
            failures[path] = exc
    return failures
