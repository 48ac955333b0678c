"""Steps shared by end-to-end tests: connecting a user, giving a role, reading SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.e2e.harness import BotProcess
from tests.emulator import SimUser


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
