"""Work orders indexed from the BRANCH_PHOTO folder tree (table `orders`, migration 0002).

Handlers read orders through `OrderRepo`; only `services.orders.index.OrderIndex` writes them, in
one transaction per scan (`apply_scan`). Rows are never deleted: a folder that disappears closes
its order (`is_open = 0`) and a folder that comes back reopens the same row, so the `id` carried
by callback buttons stays valid.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

from database.connection import Database

_ORDER_COLUMNS = "id, number, barcode, phone, plate, data_ok, problem, is_open, calendar_date"
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    number: str
    barcode: str | None
    phone: str | None
    plate: str | None
    data_ok: bool
    problem: str | None
    is_open: bool
    calendar_date: date


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """An order as a list shows it: the car, whether its client connected to the bot, its status."""

    order: Order
    client_name: str | None  # the connected client's name; content.txt carries none
    connected: bool  # a client account holds the order's phone
    status: str | None = None  # the newest order_statuses key (config ORDER_STATUSES); None: not set


@dataclass(frozen=True, slots=True)
class OrderFingerprint:
    """What the index remembers about a row between scans (loaded once per process)."""

    number: str
    is_open: bool
    problem: str | None
    content_mtime_ns: int | None  # None: content.txt missing or never read successfully
    content_size: int | None


@dataclass(frozen=True, slots=True)
class OrderData:
    """The parsed content of one order folder, as the index writes it."""

    number: str
    barcode: str | None
    phone: str | None
    phone_raw: str | None
    plate: str | None
    problem: str | None  # None means the data is fine (data_ok = 1)
    dir_mtime_ns: int | None
    content_mtime_ns: int | None
    content_size: int | None


@dataclass(frozen=True, slots=True)
class NewOrder:
    data: OrderData
    calendar_date: date
    first_seen: int


def _order(row: aiosqlite.Row) -> Order:
    return Order(
        id=row["id"],
        number=row["number"],
        barcode=row["barcode"],
        phone=row["phone"],
        plate=row["plate"],
        data_ok=bool(row["data_ok"]),
        problem=row["problem"],
        is_open=bool(row["is_open"]),
        calendar_date=date.fromisoformat(row["calendar_date"]),
    )


# The connected client of each order: the newest client account holding its phone (0006 keeps one).
_LISTED_SQL = (
    "SELECT "
    + ", ".join(f"o.{name.strip()}" for name in _ORDER_COLUMNS.split(","))
    + ", (SELECT COALESCE(NULLIF(u.name, ''), NULLIF(u.tg_name, ''), '') FROM users u"
    "     WHERE u.level = 3 AND o.phone <> '' AND u.phone = o.phone"
    "     ORDER BY u.created_at DESC LIMIT 1) AS client_name"
    ", (SELECT s.status FROM order_statuses s WHERE s.order_id = o.id ORDER BY s.id DESC LIMIT 1) AS status"
    " FROM orders o"
)


def _listed(row: aiosqlite.Row) -> ListedOrder:
    name = row["client_name"]
    return ListedOrder(_order(row), name or None, name is not None, row["status"])


def escape_like(text: str) -> str:
    """Make `%`, `_` and the escape character itself match literally in `LIKE ... ESCAPE '\\'`."""
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


_INSERT_SQL = """
INSERT INTO orders (number, number_fold, barcode, phone, phone_raw, plate, data_ok, problem, is_open,
                    calendar_date, first_seen, dir_mtime_ns, content_mtime_ns, content_size, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
ON CONFLICT (number) DO UPDATE SET
    barcode = excluded.barcode, phone = excluded.phone, phone_raw = excluded.phone_raw,
    plate = excluded.plate, data_ok = excluded.data_ok, problem = excluded.problem, is_open = 1,
    dir_mtime_ns = excluded.dir_mtime_ns, content_mtime_ns = excluded.content_mtime_ns,
    content_size = excluded.content_size, updated_at = excluded.updated_at
"""  # calendar_date and first_seen are set once and never moved

_UPDATE_SQL = """
UPDATE orders SET barcode = ?, phone = ?, phone_raw = ?, plate = ?, data_ok = ?, problem = ?,
                  dir_mtime_ns = ?, content_mtime_ns = ?, content_size = ?, updated_at = ?
WHERE number = ?
"""


_STAFF_ORDER_SQL = (
    "SELECT "
    + ", ".join(f"o.{name.strip()}" for name in _ORDER_COLUMNS.split(","))
    + " FROM work_context w JOIN orders o ON o.id = w.order_id WHERE w.telegram_id = ?"
)
_STAFF_CHAT_SQL = _STAFF_ORDER_SQL.replace(" FROM work_context", ", w.chatting FROM work_context")


def current_for_staff(conn: sqlite3.Connection, telegram_id: int) -> Order | None:
    """For units of work (`Database.read`): the order a staff member is working in."""
    row = conn.execute(_STAFF_ORDER_SQL, (telegram_id,)).fetchone()
    return None if row is None else _order(row)


def chat_order_for_staff(conn: sqlite3.Connection, telegram_id: int) -> tuple[Order, bool] | None:
    """For units of work: the staff member's order and whether they are in its chat, in one statement."""
    row = conn.execute(_STAFF_CHAT_SQL, (telegram_id,)).fetchone()
    return None if row is None else (_order(row), bool(row["chatting"]))


class OrderRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reads for handlers -----------------------------------------------------------------

    async def get(self, order_id: int) -> Order | None:
        row = await self._db.fetchone(f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ?", (order_id,))
        return None if row is None else _order(row)

    async def get_by_number(self, number: str) -> Order | None:
        row = await self._db.fetchone(f"SELECT {_ORDER_COLUMNS} FROM orders WHERE number = ?", (number,))
        return None if row is None else _order(row)

    async def days_with_open_orders(self, year: int, month: int) -> set[int]:
        """Days of the month (1..31) that have at least one open order, for the calendar."""
        first = date(year, month, 1)
        after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        rows = await self._db.fetchall(
            "SELECT DISTINCT calendar_date FROM orders"
            " WHERE is_open = 1 AND calendar_date >= ? AND calendar_date < ?",
            (first.isoformat(), after.isoformat()),
        )
        return {date.fromisoformat(row[0]).day for row in rows}

    async def open_on(self, day: date, limit: int = 50) -> list[Order]:
        rows = await self._db.fetchall(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE is_open = 1 AND calendar_date = ?"
            " ORDER BY number LIMIT ?",
            (day.isoformat(), limit),
        )
        return [_order(row) for row in rows]

    async def count_open_on(self, day: date) -> int:
        sql = "SELECT COUNT(*) FROM orders WHERE is_open = 1 AND calendar_date = ?"
        return int(await self._db.fetchval(sql, (day.isoformat(),)))

    async def listed_open_on(self, day: date, offset: int, limit: int) -> list[ListedOrder]:
        """One page of a calendar day's open orders, with their cars and clients."""
        rows = await self._db.fetchall(
            f"{_LISTED_SQL} WHERE o.is_open = 1 AND o.calendar_date = ? ORDER BY o.number LIMIT ? OFFSET ?",
            (day.isoformat(), limit, offset),
        )
        return [_listed(row) for row in rows]

    async def listed(self, orders: Sequence[Order]) -> list[ListedOrder]:
        """`orders` (a search's result) with their cars and clients, in the same order."""
        if not orders:
            return []
        marks = ", ".join("?" * len(orders))
        rows = await self._db.fetchall(f"{_LISTED_SQL} WHERE o.id IN ({marks})", [o.id for o in orders])
        by_id = {row["id"]: _listed(row) for row in rows}
        return [by_id[order.id] for order in orders if order.id in by_id]

    async def search_open(self, part: str, limit: int) -> list[Order]:
        """Open orders whose number contains `part`, case-insensitively; `%` and `_` are literal."""
        pattern = "%" + escape_like(part.strip().casefold()) + "%"
        rows = await self._db.fetchall(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE is_open = 1 AND number_fold LIKE ? ESCAPE '\\'"
            " ORDER BY number LIMIT ?",
            (pattern, limit),
        )
        return [_order(row) for row in rows]

    async def search_any(self, part: str, limit: int) -> list[Order]:
        """Orders open or closed whose number contains `part` (the admin's protocols), newest first."""
        pattern = "%" + escape_like(part.strip().casefold()) + "%"
        rows = await self._db.fetchall(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE number_fold LIKE ? ESCAPE '\\'"
            " ORDER BY is_open DESC, calendar_date DESC, number LIMIT ?",
            (pattern, limit),
        )
        return [_order(row) for row in rows]

    async def open_by_barcode(self, code: str) -> list[Order]:
        code = code.strip()
        if not code:
            return []
        return await self._open_where("barcode = ?", code)

    async def open_by_plate(self, plate_normalized: str) -> list[Order]:
        if not plate_normalized:
            return []
        return await self._open_where("plate = ?", plate_normalized)

    async def open_plates(self) -> set[str]:
        """Normalized plates of the open orders (the plate reader prefers these)."""
        rows = await self._db.fetchall("SELECT DISTINCT plate FROM orders WHERE is_open = 1 AND plate <> ''")
        return {row["plate"] for row in rows if row["plate"]}

    async def open_for_phone(self, phone: str) -> list[Order]:
        """Open orders of a client; `phone` must already be `normalize_phone()`-d."""
        if not phone:
            return []
        return await self._open_where("phone = ?", phone)

    async def count_open(self) -> int:
        return int(await self._db.fetchval("SELECT COUNT(*) FROM orders WHERE is_open = 1"))

    async def _open_where(self, condition: str, value: str) -> list[Order]:
        rows = await self._db.fetchall(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE is_open = 1 AND {condition}"
            " ORDER BY calendar_date DESC, number",
            (value,),
        )
        return [_order(row) for row in rows]

    # --- for the index --------------------------------------------------------------------------

    async def load_fingerprints(self) -> dict[str, OrderFingerprint]:
        rows = await self._db.fetchall(
            "SELECT number, is_open, problem, content_mtime_ns, content_size FROM orders"
        )
        return {row[0]: OrderFingerprint(row[0], bool(row[1]), row[2], row[3], row[4]) for row in rows}

    async def apply_scan(
        self,
        *,
        added: Sequence[NewOrder],
        changed: Sequence[OrderData],
        reopened: Sequence[str],
        closed: Sequence[str],
        now: int,
    ) -> None:
        """Write one scan's findings in a single transaction; does nothing when there are none."""
        if not (added or changed or reopened or closed):
            return

        def write(conn: sqlite3.Connection) -> None:
            if added:
                conn.executemany(
                    _INSERT_SQL,
                    [
                        (
                            new.data.number,
                            new.data.number.casefold(),
                            new.data.barcode,
                            new.data.phone,
                            new.data.phone_raw,
                            new.data.plate,
                            int(new.data.problem is None),
                            new.data.problem,
                            new.calendar_date.isoformat(),
                            new.first_seen,
                            new.data.dir_mtime_ns,
                            new.data.content_mtime_ns,
                            new.data.content_size,
                            now,
                        )
                        for new in added
                    ],
                )
            if changed:
                conn.executemany(
                    _UPDATE_SQL,
                    [
                        (
                            d.barcode,
                            d.phone,
                            d.phone_raw,
                            d.plate,
                            int(d.problem is None),
                            d.problem,
                            d.dir_mtime_ns,
                            d.content_mtime_ns,
                            d.content_size,
                            now,
                            d.number,
                        )
                        for d in changed
                    ],
                )
            if reopened:
                conn.executemany(
                    "UPDATE orders SET is_open = 1, updated_at = ? WHERE number = ?",
                    [(now, number) for number in reopened],
                )
            if closed:
                conn.executemany(
                    "UPDATE orders SET is_open = 0, updated_at = ? WHERE number = ?",
                    [(now, number) for number in closed],
                )

        await self._db.run(write)
