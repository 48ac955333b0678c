"""Benchmark of the order's PDF report (issue 15.5): a 100-photo order, built in the report worker.

    .venv/bin/python bench/report.py                    # 100 photos of 4032x3024 (a phone's 12 MP)
    .venv/bin/python bench/report.py --photos 30 --width 2000 --height 1500

Writes N distinct JPEG photos into one order folder (every fifth marked, a few videos, statuses and
recommendations in SQLite), then builds the report through `OrderReports` as the bot does: in the
'spawn' worker process. Prints the first build (the worker starts), a rebuild after a mark changed
(the worker is warm), a repeated request (nothing changed: the file is reused), the PDF's size, and
the longest the event loop waited meanwhile (a 5 ms ticker): the bot keeps answering during a build.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw

from config import load_settings
from database.connection import Database
from database.media import MediaRepo, NewMedia
from database.orders import NewOrder, OrderData, OrderRepo
from database.outbox import BatchSpec, Delivery
from database.report import ReportRepo
from database.users import UserRepo
from services.inspection.report import OrderReports

TARGET_S = 10.0
NUMBER = "bench-100"
STAGES = ("Inspection", "Recommendation", "BodyDamage", "Other")


class NoOutbox:
    async def enqueue(self, deliveries: list[Delivery], batch: BatchSpec | None = None) -> None:
        pass


def photo(rng: random.Random, width: int, height: int, index: int) -> bytes:
    """A photo-like JPEG: noise (so it compresses like a photo) under coloured shapes, distinct per index."""
    image = Image.effect_noise((width // 4, height // 4), 60).convert("RGB").resize((width, height))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + width // 5, y + height // 5), fill=colour)
    draw.text((40, 40), f"photo {index}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


async def prepare(root: Path, db: Database, photos: int, width: int, height: int) -> int:
    data = OrderData(NUMBER, None, "+375291234567", "+375291234567", "1234AB7", None, 1, 2, 3)
    repo = OrderRepo(db)
    await repo.apply_scan(added=[NewOrder(data, date.today(), 1)], changed=[], reopened=[], closed=[], now=1)
    order = await repo.get_by_number(NUMBER)
    assert order is not None
    rng = random.Random(15)
    media = MediaRepo(db)
    marks = []
    for i in range(photos + 3):
        stage = STAGES[i % len(STAGES)]
        kind = "photo" if i < photos else "video"
        name = f"p{i:03d}.jpg" if kind == "photo" else f"v{i:03d}.mp4"
        folder = root / NUMBER / stage
        folder.mkdir(parents=True, exist_ok=True)
        body = photo(rng, width, height, i) if kind == "photo" else b"\x00\x00\x00\x18ftypmp42" * 1000
        (folder / name).write_bytes(body)
        record = await media.add(
            NewMedia(
                f"b:{i}", order.id, stage, stage, f"{NUMBER}/{stage}/{name}", f"f{i}", kind, "", 1, 1, i,
                None, len(body), False,
            )
        )  # fmt: skip
        if i % 5 == 0:
            marks.append((record.id, ("ok", "soon", "now")[i % 3], f"Замечание к фото {i}", 1, time.time()))
    await db.write_many("INSERT INTO media_marks VALUES (?, ?, ?, ?, ?)", marks)
    await db.write_many(
        "INSERT INTO order_statuses (order_id, status, set_by, set_at) VALUES (?, ?, 1, ?)",
        [(order.id, key, time.time()) for key in ("accepted", "diagnosis", "approval", "ready")],
    )
    await db.write_many(
        "INSERT INTO recommendations (order_id, title, reason, price, created_by, created_at, decision)"
        " VALUES (?, ?, 'Износ', ?, 1, 0, ?)",
        [(order.id, f"Работа {n}", 10000 * n, ("approved", "declined", None)[n % 3]) for n in range(1, 9)],
    )
    return order.id


async def timed(reports: OrderReports, order_id: int, orders: OrderRepo) -> tuple[float, float]:
    """Seconds one build took, and the longest the event loop was late meanwhile."""
    order = await orders.get(order_id)
    assert order is not None
    late = 0.0
    done = False

    async def ticker() -> None:
        nonlocal late
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            late = max(late, time.perf_counter() - before - 0.005)

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await reports.build(order)
    elapsed = time.perf_counter() - started
    done = True
    await tick
    return elapsed, late


async def main(photos: int, width: int, height: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        settings = dataclasses.replace(
            load_settings({"BOT_TOKEN": "1:abcdef"}, env_file=None), branch_photo=work / "Photo"
        )
        db = await Database.open(work / "bot.db")
        started = time.perf_counter()
        order_id = await prepare(settings.branch_photo, db, photos, width, height)
        print(f"prepared {photos} photos of {width}x{height} in {time.perf_counter() - started:.1f} s")
        orders = OrderRepo(db)
        reports = OrderReports(
            settings=settings, repo=ReportRepo(db), orders=orders, users=UserRepo(db), outbox=NoOutbox()
        )
        cold, cold_late = await timed(reports, order_id, orders)
        await db.write("UPDATE media_marks SET note = note || '!'")
        warm, warm_late = await timed(reports, order_id, orders)
        again, _ = await timed(reports, order_id, orders)
        size = (settings.branch_photo / NUMBER / f"Отчет_{NUMBER}.pdf").stat().st_size
        await reports.close()
        await db.close()
        verdict = "OK" if warm < TARGET_S and cold < TARGET_S else "SLOWER THAN TARGET"
        print(f"first build (worker starts): {cold:.2f} s, event loop late at most {cold_late * 1000:.0f} ms")
        print(f"rebuild (a mark changed):    {warm:.2f} s, event loop late at most {warm_late * 1000:.0f} ms")
        print(f"repeated request (unchanged): {again * 1000:.0f} ms (the file is reused)")
        print(f"PDF: {size / 1024 / 1024:.2f} MB, {photos} thumbnails; target < {TARGET_S:.0f} s: {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--width", type=int, default=4032)
    parser.add_argument("--height", type=int, default=3024)
    args = parser.parse_args()
    asyncio.run(main(args.photos, args.width, args.height))
