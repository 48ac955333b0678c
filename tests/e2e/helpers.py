"""Steps shared by end-to-end tests: connecting a user, giving a role, reading SQLite."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.e2e.harness import BotProcess
from tests.emulator import BotMessage, SimUser


async def connect(user: SimUser) -> None:
    """/start, then share one's own contact, as a person does."""
    await user.send_text("/start")
    await user.wait_text("Отправить мой номер")
    await user.send_contact()
    await user.wait_text("Вы подключены")


def db_rows(bot: BotProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        return list(conn.execute(sql, params))


def set_user(bot: BotProcess, telegram_id: int, **columns: Any) -> None:
    """Change a user's row directly (the bot reads the user afresh on every update)."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            f"UPDATE users SET {assignments} WHERE telegram_id = ?", (*columns.values(), telegram_id)
        )


async def connect_as(bot: BotProcess, user: SimUser, level: int, name: str | None = None) -> None:
    await connect(user)
    set_user(bot, user.id, level=level, **({"name": name} if name else {}))


def photo_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def add_order(root: Path, number: str, phone: str | None = None, **fields: str) -> Path:
    """Create an order folder `root/number` with a content.txt (no content.txt when phone is None
    and no fields are given); the bot sees it on its next rescan (/order rescans)."""
    folder = root / number
    folder.mkdir(parents=True, exist_ok=True)
    if phone is not None or fields:
        content = {"order": number, "phone": phone or "", **fields}
        (folder / "content.txt").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return folder


async def rescan(employee: SimUser) -> BotMessage:
    """/order: the bot rescans the order folders, then shows the calendar."""
    await employee.send_text("/order")
    return await employee.wait_text("Выберите заказ-наряд")


async def indexed_order_id(bot: BotProcess, number: str, timeout: float = 10.0) -> int:
    """The order's id once the folder index has seen it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = db_rows(bot, "SELECT id FROM orders WHERE number = ?", (number,))
        if rows:
            return int(rows[0][0])
        assert loop.time() < deadline, f"order {number} was not indexed"
        await asyncio.sleep(0.1)
