"""The conversation protocol: SQLite for the bot, plain .txt files for the dealer's archive.

Each entry is stored in SQLite first (idempotent by key), then appended to
`<order folder>/recording_dialog_<order>.txt` or, outside open orders, to
`BRANCH_PHOTO/all_recording_dialog.txt`, and only then marked archived; entries a crash left
unarchived are appended at the next start, so the archive never misses a line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from database.protocol import ProtocolEntry, ProtocolRepo, StoredEntry

log = logging.getLogger(__name__)

GENERAL_FILE = "all_recording_dialog.txt"


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
        self._archived: list[int] = []  # marked in groups: a lost mark only appends a line twice
        self._marking: asyncio.Task[None] | None = None

    async def record(self, entry: ProtocolEntry) -> None:
        stored = await self._repo.add(entry)
        if stored is not None:
            await self._archive(stored)

    async def archive_pending(self) -> None:
        """At start-up: append what a crash left unarchived."""
        for stored in await self._repo.unarchived():
            await self._archive(stored)

    async def entries(self, order_id: int | None) -> list[StoredEntry]:
        return await (self._repo.general() if order_id is None else self._repo.for_order(order_id))

    def _target(self, entry: ProtocolEntry) -> Path:
        if entry.order_id is not None and entry.order_number:
            return self._root / entry.order_number / order_protocol_name(entry.order_number)
        return self._root / GENERAL_FILE

    async def _archive(self, stored: StoredEntry) -> None:
        target = self._target(stored.entry)
        general = self._root / GENERAL_FILE
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer, _append, target, general, format_line(stored))
        except OSError as exc:  # the SQLite copy is kept; the line is retried at the next start
            log.error("Could not append to the protocol file %s: %s", target, exc)
            return
        self._archived.append(stored.id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_archived(), name="protocol-marks")

    async def flush(self) -> None:
        if self._marking is not None:
            await self._marking
        self._writer.shutdown(wait=True)

    async def _mark_archived(self) -> None:
        while self._archived:
            ids, self._archived = self._archived, []
            await self._repo.mark_archived(ids)


def _append(path: Path, fallback: Path, line: str) -> None:
    """Append to the order's file; an order folder removed meanwhile falls back to the general one."""
    if not path.parent.is_dir():
        path = fallback
    with path.open("a", encoding="utf-8", newline="") as file:
        file.write(line)
