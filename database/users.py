"""Users: who is connected, their role and whether they may use the bot."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import aiosqlite

from database.connection import Database
from database.staff_invites import StaffInvite, take_staff_invite


class Level(IntEnum):
    ADMIN = 1
    EMPLOYEE = 2
    CLIENT = 3
    CARE = 4


class Activity(IntEnum):
    ACTIVE = 1
    INACTIVE = 2


STAFF_LEVELS = frozenset({Level.ADMIN, Level.EMPLOYEE, Level.CARE})  # who works in orders
CARE_LEVELS = frozenset({Level.CARE, Level.ADMIN})  # who answers clients as customer care


@dataclass(frozen=True, slots=True)
class User:
    telegram_id: int
    phone: str
    name: str | None
    tg_name: str
    level: Level
    activity: Activity
    reachable: bool
    start_payload: str | None

    @property
    def is_active(self) -> bool:
        return self.activity is Activity.ACTIVE

    @property
    def display_name(self) -> str:
        """The admin-given name, else Telegram's name, else the phone."""
        return self.name or self.tg_name or self.phone


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _user(row: aiosqlite.Row) -> User:
    return User(
        telegram_id=row["telegram_id"],
        phone=row["phone"],
        name=row["name"],
        tg_name=row["tg_name"],
        level=Level(row["level"]),
        activity=Activity(row["activity"]),
        reachable=bool(row["reachable"]),
        start_payload=row["start_payload"],
    )


_COLUMNS = "telegram_id, phone, name, tg_name, level, activity, reachable, start_payload"


def active_clients_with_phone(conn: sqlite3.Connection, phone: str) -> list[User]:
    """For units of work (`Database.read`): the connected, active clients with this phone."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM users WHERE phone = ? AND level = ? AND activity = ?",
        (phone, int(Level.CLIENT), int(Activity.ACTIVE)),
    ).fetchall()
    return [_user(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Connected:
    """What connecting a phone did: the user as stored now, and the accounts that lost the phone."""

    user: User
    phone_lost_by: list[int]
    invite: StaffInvite | None = None  # staff registered in advance by phone: applied now


# Who a person becomes, from their row before (None: new) and the number of users before them.
LevelRule = Callable[[User | None, int], Level]


def connect(
    conn: sqlite3.Connection,
    telegram_id: int,
    phone: str,
    tg_name: str,
    level_rule: LevelRule,
    start_payload: str | None,
) -> Connected:
    """For units of work (`Database.run`): a person shares their own phone. Creates the user or
    refreshes phone and Telegram name (reachable again), sets the level `level_rule` gives, the deep
    link they came by (when any); a client keeps the phone alone: other client accounts with it lose
    it (phone ''), so files and messages for that phone reach one account. A staff invite of the phone
    (an admin registered it in advance) gives its level and name to whoever would be a client."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE telegram_id = ?", (telegram_id,)).fetchone()
    before = _user(row) if row else None
    count = int(conn.execute("SELECT COUNT(*) FROM users").fetchone()[0])
    level = level_rule(before, count)
    invite = take_staff_invite(conn, phone)  # used once: the phone has connected
    if invite is not None and level is Level.CLIENT:
        level = Level(invite.level)
    else:
        invite = None  # staff already (or ADMIN_PHONES): their level stands
    now = _now()
    conn.execute(
        "INSERT INTO users (telegram_id, phone, tg_name, level, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET phone = excluded.phone, tg_name = excluded.tg_name,"
        " level = excluded.level, reachable = 1, updated_at = excluded.updated_at",
        (telegram_id, phone, tg_name, int(level), now, now),
    )
    if start_payload:
        conn.execute("UPDATE users SET start_payload = ? WHERE telegram_id = ?", (start_payload, telegram_id))
    if invite is not None and invite.name:
        conn.execute("UPDATE users SET name = ? WHERE telegram_id = ?", (invite.name, telegram_id))
    conn.execute("UPDATE users SET last_seen = ? WHERE telegram_id = ?", (time.time(), telegram_id))
    losers: list[int] = []
    if level is Level.CLIENT:
        losers = [
            int(found[0])
            for found in conn.execute(
                "SELECT telegram_id FROM users WHERE phone = ? AND level = ? AND telegram_id != ?",
                (phone, int(Level.CLIENT), telegram_id),
            )
        ]
        conn.executemany(
            "UPDATE users SET phone = '', updated_at = ? WHERE telegram_id = ?", [(now, t) for t in losers]
        )
    stored = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE telegram_id = ?", (telegram_id,)).fetchone()
    return Connected(_user(stored), losers, invite)


class UserRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, telegram_id: int) -> User | None:
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM users WHERE telegram_id = ?", (telegram_id,))
        return _user(row) if row else None

    async def register(self, telegram_id: int, phone: str, tg_name: str, level: Level) -> User:
        """Create the user or refresh phone and Telegram name; level is only set on creation."""
        now = _now()
        await self._db.write(
            "INSERT INTO users (telegram_id, phone, tg_name, level, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET phone = excluded.phone,"
            " tg_name = excluded.tg_name, reachable = 1, updated_at = excluded.updated_at",
            (telegram_id, phone, tg_name, int(level), now, now),
        )
        user = await self.get(telegram_id)
        assert user is not None
        return user

    async def connect(
        self, telegram_id: int, phone: str, tg_name: str, level_rule: LevelRule, start_payload: str | None
    ) -> Connected:
        """Registration in one transaction (see `connect`)."""
        return await self._db.run(
            lambda conn: connect(conn, telegram_id, phone, tg_name, level_rule, start_payload)
        )

    async def set_level(self, telegram_id: int, level: Level) -> None:
        await self._set(telegram_id, "level", int(level))

    async def set_activity(self, telegram_id: int, activity: Activity) -> None:
        await self._set(telegram_id, "activity", int(activity))

    async def set_name(self, telegram_id: int, name: str) -> None:
        await self._set(telegram_id, "name", name)

    async def set_start_payload(self, telegram_id: int, payload: str | None) -> None:
        await self._set(telegram_id, "start_payload", payload)

    async def release_phone(self, phone: str, keeper: int) -> list[int]:
        """The latest verified owner of a phone keeps it: other client accounts with it lose it
        (phone ''), so files and messages for that phone reach one account. Returns who lost it."""
        rows = await self._db.fetchall(
            "SELECT telegram_id FROM users WHERE phone = ? AND level = ? AND telegram_id != ?",
            (phone, int(Level.CLIENT), keeper),
        )
        losers = [int(row[0]) for row in rows]
        for telegram_id in losers:
            await self._set(telegram_id, "phone", "")
        return losers

    async def set_reachable(self, telegram_id: int, reachable: bool) -> None:
        await self._set(telegram_id, "reachable", int(reachable))

    async def _set(self, telegram_id: int, column: str, value: object) -> None:
        await self._db.write(
            f"UPDATE users SET {column} = ?, updated_at = ? WHERE telegram_id = ?",
            (value, _now(), telegram_id),
        )

    async def by_phone(self, phone: str) -> list[User]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM users WHERE phone = ?", (phone,))
        return [_user(row) for row in rows]

    async def active_clients_with_phone(self, phone: str) -> list[User]:
        return await self._db.read(lambda conn: active_clients_with_phone(conn, phone))

    async def active_with_level(self, level: Level) -> list[User]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM users WHERE level = ? AND activity = ? ORDER BY telegram_id",
            (int(level), int(Activity.ACTIVE)),
        )
        return [_user(row) for row in rows]

    async def all(self) -> list[User]:
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM users ORDER BY level, telegram_id")
        return [_user(row) for row in rows]

    # --- admin menu ---------------------------------------------------------------------------

    async def count(self) -> int:
        return int(await self._db.fetchval("SELECT COUNT(*) FROM users"))

    async def page(self, offset: int, limit: int) -> list[User]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM users ORDER BY level, telegram_id LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_user(row) for row in rows]

    async def counts_by_level_activity(self) -> dict[tuple[int, int], int]:
        rows = await self._db.fetchall("SELECT level, activity, COUNT(*) FROM users GROUP BY level, activity")
        return {(int(row[0]), int(row[1])): int(row[2]) for row in rows}

    async def demote_admin(self, telegram_id: int, level: Level | None, activity: Activity | None) -> bool:
        """Set level and/or activity unless that leaves no active admin; False when refused (atomic)."""
        sets, params = [], []
        if level is not None:
            sets.append("level = ?")
            params.append(int(level))
        if activity is not None:
            sets.append("activity = ?")
            params.append(int(activity))
        if not sets:
            return True
        cursor = await self._db.write(
            f"UPDATE users SET {', '.join(sets)}, updated_at = ? WHERE telegram_id = ?"
            " AND (SELECT COUNT(*) FROM users WHERE level = ? AND activity = ? AND telegram_id != ?) > 0",
            (*params, _now(), telegram_id, int(Level.ADMIN), int(Activity.ACTIVE), telegram_id),
        )
        return cursor.rowcount > 0

    # --- admin cards (issue 16.3) -------------------------------------------------------------

    async def touch_seen(self, telegram_id: int, at: float) -> None:
        """When the person last used the bot (not `updated_at`: nothing about them changed)."""
        await self._db.write("UPDATE users SET last_seen = ? WHERE telegram_id = ?", (at, telegram_id))

    async def last_seen(self, telegram_id: int) -> float | None:
        value = await self._db.fetchval("SELECT last_seen FROM users WHERE telegram_id = ?", (telegram_id,))
        return None if value is None else float(value)

    async def search_names(self, part: str, limit: int) -> list[User]:
        """Users whose admin-given or Telegram name contains `part`, case-insensitively in any alphabet
        (SQLite's LOWER folds ASCII only, so the names are compared here, on the database thread)."""
        wanted = " ".join(part.split()).casefold()

        def query(conn: sqlite3.Connection) -> list[User]:
            found = []
            for row in conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY level, telegram_id"):
                if any(value and wanted in " ".join(value.split()).casefold() for value in row[2:4]):
                    found.append(_user(row))
                    if len(found) >= limit:
                        break
            return found

        return await self._db.read(query)

    async def by_phone_digits(self, digits: str, limit: int) -> list[User]:
        """Users whose phone contains these digits (a part of a number: "2233", "29111")."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM users WHERE phone LIKE ? ORDER BY level, telegram_id LIMIT ?",
            (f"%{digits}%", limit),
        )
        return [_user(row) for row in rows]

    async def orders_touched(self, telegram_id: int) -> list[tuple[int, str]]:
        """The orders a person filed files into, wrote about or worked in, newest first (id, number)."""
        rows = await self._db.fetchall(
            "WITH touched (order_id, at) AS ("
            " SELECT order_id, created_at FROM media WHERE employee_id = ?"
            " UNION ALL SELECT order_id, at FROM protocol WHERE sender_id = ? AND order_id IS NOT NULL"
            " UNION ALL SELECT order_id, updated_at FROM work_context WHERE telegram_id = ?"
            " AND order_id IS NOT NULL)"
            " SELECT o.id, o.number FROM touched t JOIN orders o ON o.id = t.order_id"
            " GROUP BY o.id ORDER BY MAX(t.at) DESC, o.id DESC",
            (telegram_id, telegram_id, telegram_id),
        )
        return [(int(row[0]), str(row[1])) for row in rows]
