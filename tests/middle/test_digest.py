"""The admins' daily digest: the figures of the last 24 hours, queued once per local day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock_time

import pytest

from database.digest import DigestRepo
from database.users import Level
from services.digest import DailyDigest
from tests.middle.conftest import ADMIN_PHONE, App

pytestmark = pytest.mark.middle

DIGEST_AT = clock_time(19, 0)
DAY = timedelta(days=1)


class WallClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def _seed(app: App, now: float) -> None:
    """One day's work beside older rows the digest must leave out."""
    db = app.services.db
    recent, old = now - 3600, now - 2 * 86400
    for number in ("dg-a", "dg-b", "dg-c"):
        await db.write(
            "INSERT INTO orders (number, number_fold, calendar_date, first_seen, updated_at)"
            " VALUES (?, ?, '2026-01-01', 0, 0)",
            (number, number),
        )
    ids = {
        r["number"]: r["id"]
        for r in await db.fetchall("SELECT id, number FROM orders WHERE number LIKE 'dg-%'")
    }
    a, b, c = ids["dg-a"], ids["dg-b"], ids["dg-c"]
    media = [("m1", a, recent), ("m2", a, recent), ("m3", b, old), ("m4", a, recent)]
    for key, order_id, at in media:
        await db.write(
            "INSERT INTO media (dedup_key, order_id, type_label, subfolder, rel_path, file_id, kind,"
            " employee_id, chat_id, message_id, created_at) VALUES (?, ?, 'Прочее', 'Other', ?, 'f', 'photo',"
            " 7001, 7001, 1, ?)",
            (key, order_id, f"{key}.jpg", at),
        )
    media_ids = {r["dedup_key"]: r["id"] for r in await db.fetchall("SELECT id, dedup_key FROM media")}
    outbox = [  # key, status, created, sent
        ("album-now", "sent", recent, recent),
        ("album-old", "sent", old, old),
        ("album-waiting", "pending", recent, None),
        ("aw:5001:10:9001:0", "sent", recent, recent),  # one alert, to two admins, in two chunks
        ("aw:5001:10:9001:1", "sent", recent, recent),
        ("aw:5001:10:9002:0", "sent", recent, recent),
        ("aw:5001:3:9001:0", "sent", old, old),
        ("refused", "failed", recent, recent),
        ("blocked", "blocked", recent, recent),
        ("refused-old", "failed", old, old),
    ]
    for key, status, created, sent in outbox:
        await db.write(
            "INSERT INTO outbox (dedup_key, chat_id, method, payload, status, next_attempt_at, created_at,"
            " sent_at) VALUES (?, 5001, 'message', '{}', ?, ?, ?, ?)",
            (key, status, now + 10**6, created, sent),
        )
    for media_key, outbox_key in (("m1", "album-now"), ("m2", "album-now"), ("m3", "album-old")):
        await db.write(
            "INSERT INTO media_deliveries (media_id, client_id, outbox_key, claimed_at)"
            " VALUES (?, 5001, ?, 0)",
            (media_ids[media_key], outbox_key),
        )
    await db.write(
        "INSERT INTO media_deliveries (media_id, client_id, outbox_key, claimed_at)"
        " VALUES (?, 5001, 'album-waiting', 0)",
        (media_ids["m4"],),
    )
    protocol = [  # order, sender, role, at, to whom
        (a, 5001, 3, now - 3000, ""),  # answered by the next row
        (a, 7001, 2, now - 2000, "клиент +375298943508"),
        (None, 5001, 3, now - 1200, ""),  # outside orders, answered to the client in order c
        (c, 7001, 2, now - 1100, "клиент +375298943508"),
        (a, 5001, 3, now - 1000, ""),  # unanswered
        (None, 5001, 3, now - 500, ""),  # unanswered, outside orders
        (c, 5001, 3, old, ""),  # too old to count
        (c, 7001, 2, recent, "служба заботы"),
    ]
    for order_id, sender, role, at, recipient in protocol:
        await db.write(
            "INSERT INTO protocol (at, order_id, sender_id, sender_role, recipient, kind, text)"
            " VALUES (?, ?, ?, ?, ?, 'text', 'x')",
            (at, order_id, sender, role, recipient),
        )
    await app.services.users.register(5003, "+375290000003", "Старый клиент", Level.CLIENT)
    await db.write("UPDATE users SET created_at = ? WHERE telegram_id = 5003", (_local(now - 2 * 86400),))
    await app.services.users.register(9002, "+375290000002", "Второй админ", Level.ADMIN)


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def _digest(app: App, wall: WallClock) -> DailyDigest:
    services = app.services
    return DailyDigest(DigestRepo(services.db), services.users, services.outbox, DIGEST_AT, now=wall)


async def test_the_digest_counts_the_last_day_and_goes_to_every_admin_once(app: App) -> None:
    admin = app.person(9001, "Админ", ADMIN_PHONE)
    await admin.send_text("/start")
    await admin.send_contact()
    client = app.person(5001, "Владелец", "+375298943508")
    await client.send_text("/start")
    await client.send_contact()
    wall = WallClock(datetime.combine(date.today(), clock_time(18, 59)))
    await _seed(app, wall.at.timestamp())
    digest = _digest(app, wall)

    assert not await digest.send_if_due()  # 18:59: not yet
    wall.at += timedelta(minutes=1)
    assert await digest.send_if_due()
    await admin.wait_text("Сводка за сутки")
    await app.session.wait_for(lambda: any("Сводка" in t for t in app.session.texts_to(9002)))
    text = next(t for t in admin.texts() if "Сводка за сутки" in t)
    assert "Заказ-нарядов в работе: 2\n" in text
    assert "Файлов сохранено: 3, доставлено клиентам: 2\n" in text
    assert "Подключилось клиентов: 1\n" in text
    assert "Сообщений клиентов без ответа: 2\n" in text
    assert "Сигналов о недовольстве: 1\n" in text
    assert text.endswith("Не доставлено сообщений: 2")

    wall.at += timedelta(hours=4)
    assert not await digest.send_if_due()  # later the same day
    assert not await _digest(app, wall).send_if_due()  # after a restart the same day
    assert sum("Сводка" in t for t in admin.texts()) == 1


async def test_a_bot_down_at_digest_time_sends_it_when_it_starts_that_day(app: App) -> None:
    admin = app.person(9001, "Админ", ADMIN_PHONE)
    await admin.send_text("/start")
    await admin.send_contact()
    wall = WallClock(datetime.combine(date.today(), clock_time(22, 30)))
    assert await _digest(app, wall).send_if_due()
    await admin.wait_text("Сводка за сутки")
    wall.at += DAY - timedelta(hours=4)  # the next morning, 18:30: not yet
    assert not await _digest(app, wall).send_if_due()
    wall.at += timedelta(hours=1)
    assert await _digest(app, wall).send_if_due()
    await app.session.wait_for(lambda: sum("Сводка" in t for t in admin.texts()) == 2)
