"""Benchmark of the order index: cold scan, incremental rescans, and /order's first answer.

    .venv/bin/python bench/scan.py                 # 10,000 and 50,000 folders
    .venv/bin/python bench/scan.py --sizes 10000   # quick run

Builds N order folders in a temporary directory, content.txt in the shapes dealers produce (UTF-8
with BOM, one-line JSON, cp1251, plain UTF-8, some malformed, some missing), plus a few closed
folders and stray files, then prints one line per figure. The page cache is warm (the tree was
just written), so "cold" means a cold index (empty SQLite), not a cold disk.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from database.connection import Database
from database.orders import OrderRepo
from services.orders.index import OrderIndex, ScanReport

TARGET_COLD_10K = 5.0
TARGET_INCREMENTAL_10K = 0.3
DAYS_SPREAD = 60


def _content(i: int) -> bytes:
    number = f"a{i:09d}"
    barcode = f"28000743662783824426123156318641{i:05d}"
    phone = f"+375 29 {i % 10_000_000:07d}"
    shape = i % 50
    if shape == 3:  # malformed: trailing comma
        return f'{{\n   "order": "{number}",\n   "phone": "{phone}",\n}}'.encode()
    if shape % 5 == 0:  # Notepad: UTF-8 with BOM, Cyrillic plate
        text = (
            f'{{\n   "order": "{number}",\n   "barcode": "{barcode}",\n   "phone": "{phone}",\n'
            f'   "plate_number": "{i % 10000:04d} МН-1"\n}}'
        )
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if shape % 5 == 1:  # one-line JSON with BOM
        plate = f"AB {i % 10000:04d}-7"
        text = f'{{"order": "{number}","barcode": "{barcode}","phone": "{phone}","plate_number": "{plate}"}}'
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if shape % 5 == 2:  # cp1251, local phone form, lower-case Cyrillic plate
        text = (
            f'{{\n   "order": "{number}",\n   "barcode": "{barcode}",\n'
            f'   "phone": "8 (029) {i % 10_000_000:07d}",'
            f'\n   "plate_number": "{i % 10000:04d} ав-7"\n}}'
        )
        return text.encode("cp1251")
    text = (
        f'{{\n   "order": "{number}",\n   "barcode": "{barcode}",\n   "phone": "{phone}",\n'
        f'   "plate_number": "{i % 10000:04d} EE-1"\n}}'
    )
    return text.encode("utf-8")


def build_tree(root: Path, count: int) -> None:
    root.mkdir(parents=True)
    now = time.time()
    for i in range(count):
        folder = root / f"a{i:09d}"
        folder.mkdir()
        if i % 50 != 4:  # some folders have no content.txt
            (folder / "content.txt").write_bytes(_content(i))
        stamp = now - (i % DAYS_SPREAD) * 86_400
        os.utime(folder, (stamp, stamp))
    for i in range(count // 100):  # closed orders and stray files are not orders
        closed = root / f"c{i:09d}closed"
        closed.mkdir()
        (closed / "content.txt").write_bytes(_content(i))
    (root / "all_recording_dialog.txt").write_text("stray file")


def change_some(root: Path, count: int, share: float) -> int:
    rng = random.Random(1)
    picked = rng.sample(range(count), max(1, int(count * share)))
    for i in picked:
        path = root / f"a{i:09d}" / "content.txt"
        path.write_bytes(_content(i) + b"\n ")
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return len(picked)


async def timed(action: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


def line(label: str, seconds: float, target: float | None = None) -> None:
    if target is None:
        print(f"{label}: {seconds:.3f} s", flush=True)
    else:
        verdict = "ok" if seconds < target else "MISSED"
        print(f"{label}: {seconds:.3f} s (target < {target:g} s, {verdict})", flush=True)


async def first_answer(index: OrderIndex, repo: OrderRepo) -> int:
    """What /order does before it can answer: refresh, the month's calendar, today's orders."""
    today = date.today()
    await index.refresh()
    await repo.days_with_open_orders(today.year, today.month)
    return len(await repo.open_on(today))


async def bench(count: int, workdir: Path) -> bool:
    root = workdir / f"photo{count}"
    started = time.perf_counter()
    build_tree(root, count)
    print(f"--- {count} folders (tree built in {time.perf_counter() - started:.1f} s)", flush=True)
    db = await Database.open(workdir / f"bench{count}.db")
    try:
        repo = OrderRepo(db)
        index = OrderIndex(repo, root, "closed")
        scale = count / 10_000
        ok = True

        seconds, report = await timed(index.refresh)
        assert isinstance(report, ScanReport) and report.added == count, report
        line(f"scan cold {count} folders", seconds, TARGET_COLD_10K * scale if count == 10_000 else None)
        ok &= count != 10_000 or seconds < TARGET_COLD_10K

        runs = []
        for _ in range(5):
            seconds, report = await timed(index.refresh)
            assert isinstance(report, ScanReport) and report.changed == report.added == 0, report
            runs.append(seconds)
        median = statistics.median(runs)
        line(
            f"scan incremental {count} folders, nothing changed (median of 5)",
            median,
            TARGET_INCREMENTAL_10K if count == 10_000 else None,
        )
        ok &= count != 10_000 or median < TARGET_INCREMENTAL_10K

        seconds, report = await timed(OrderIndex(repo, root, "closed").refresh)
        assert isinstance(report, ScanReport) and report.changed == 0, report
        line(
            f"scan after restart {count} folders (fingerprints loaded from SQLite), nothing changed", seconds
        )

        changed = change_some(root, count, 0.01)
        seconds, report = await timed(index.refresh)
        assert isinstance(report, ScanReport) and report.changed == changed, (report, changed)
        line(f"scan incremental {count} folders, 1% changed ({changed})", seconds)

        seconds, today_count = await timed(lambda: first_answer(index, repo))
        line(
            f"/order first answer {count} folders (refresh + month calendar + {today_count} orders today)",
            seconds,
        )
        seconds, _ = await timed(lambda: first_answer(OrderIndex(repo, root, "closed"), repo))
        line(f"/order first answer {count} folders right after bot start", seconds)
        return ok
    finally:
        await db.close()
        shutil.rmtree(root, ignore_errors=True)


async def main(sizes: list[int]) -> int:
    logging.basicConfig(level=logging.ERROR)  # the malformed/missing samples would warn thousands of times
    ok = True
    with tempfile.TemporaryDirectory(prefix="order-bench-") as tmp:
        for count in sizes:
            ok &= await bench(count, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    raise SystemExit(asyncio.run(main(parser.parse_args().sizes)))
