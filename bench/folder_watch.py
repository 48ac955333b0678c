"""Benchmark of the folder watcher: one look at the order folders of connected clients.

    .venv/bin/python bench/folder_watch.py                  # 1,000 watched orders
    .venv/bin/python bench/folder_watch.py --orders 3000

Builds N order folders with a connected client each, 4 stage folders of 10 files (the dealer's
history, there before the watcher), then times: the first look (every file settled as history),
a look with nothing new (the cost paid every ORDER_RESCAN_SECONDS / 3), and the two looks that
take 1 % of orders' new files to the (fake) outbox. The page cache is warm; over SMB each folder
listing costs a network round trip more.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import load_settings
from database.connection import Database
from database.folder_files import FolderFileRepo
from database.media import MediaRecord, MediaRepo
from database.protocol import ProtocolEntry
from database.users import UserRepo
from services.folder_watch.watcher import FolderWatcher

STAGES = ("Inspection", "Recommendation", "BodyDamage", "Service")


class _Sink:
    def __init__(self) -> None:
        self.files = 0

    async def send_files(self, client_id: int, records: Sequence[MediaRecord], header: str, key: str) -> None:
        self.files += len(records)

    async def record(self, entry: ProtocolEntry) -> None:
        pass


async def _prepare(db: Database, root: Path, count: int) -> None:
    for i in range(count):
        for stage in STAGES:
            folder = root / f"a{i:09d}" / stage
            folder.mkdir(parents=True)
            for n in range(10):
                (folder / f"{n:02d}.jpg").write_bytes(b"x" * 64)
    await db.run(
        lambda conn: (
            conn.executemany(
                "INSERT INTO orders (id, number, number_fold, phone, calendar_date, first_seen, updated_at)"
                " VALUES (?, ?, ?, ?, '2026-12-01', 0, 0)",
                [(i + 1, f"a{i:09d}", f"a{i:09d}", f"+37529{i:07d}") for i in range(count)],
            ),
            conn.executemany(
                "INSERT INTO users (telegram_id, phone, tg_name, level, created_at, updated_at)"
                " VALUES (?, ?, 'c', 3, 0, 0)",
                [(1000 + i, f"+37529{i:07d}") for i in range(count)],
            ),
        )
    )


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "Photo"
        db = await Database.open(Path(tmp) / "bot.db")
        await _prepare(db, root, count)
        settings = load_settings(
            env={"BOT_TOKEN": "123456:BENCH-token", "BRANCH_PHOTO": str(root)}, env_file=Path(tmp) / ".env"
        )
        sink = _Sink()
        await asyncio.sleep(0.05)  # the files above are history: they arrived before the watcher
        watcher = FolderWatcher(
            settings=settings,
            repo=FolderFileRepo(db),
            media=MediaRepo(db),
            users=UserRepo(db),
            deliveries=sink,  # type: ignore[arg-type]
            protocol=sink,
        )
        files = count * len(STAGES) * 10
        started = time.perf_counter()
        await watcher.look()
        seconds = time.perf_counter() - started
        print(f"first look, {count} orders, {files} files settled as history: {seconds:.3f} s")
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            await watcher.look()
            runs.append(time.perf_counter() - started)
        print(f"look with nothing new (median of 5): {sorted(runs)[2]:.3f} s")
        for i in range(0, count, 100):
            (root / f"a{i:09d}" / "Inspection" / "new.pdf").write_bytes(b"%PDF new")
        started = time.perf_counter()
        await watcher.look()
        await watcher.look()
        print(
            f"two looks taking {sink.files} new files of {len(range(0, count, 100))} orders:"
            f" {time.perf_counter() - started:.3f} s"
        )
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    asyncio.run(main(parser.parse_args().orders))
