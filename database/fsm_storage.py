"""aiogram FSM storage in SQLite, so a dialog half-way through survives a restart."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from database.connection import Database


class SQLiteStorage(BaseStorage):
    """Write-through: SQLite is the truth, states are cached because every update reads one."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._keys = DefaultKeyBuilder(with_destiny=True)
        self._states: dict[str, str | None] = {}

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        built = self._keys.build(key)
        await self._db.write(
            "INSERT INTO fsm (key, state) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET state = excluded.state",
            (built, value),
        )
        self._states[built] = value

    async def get_state(self, key: StorageKey) -> str | None:
        built = self._keys.build(key)
        if built not in self._states:
            self._states[built] = await self._db.fetchval("SELECT state FROM fsm WHERE key = ?", (built,))
        return self._states[built]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._db.write(
            "INSERT INTO fsm (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data",
            (self._keys.build(key), json.dumps(dict(data), ensure_ascii=False)),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        raw = await self._db.fetchval("SELECT data FROM fsm WHERE key = ?", (self._keys.build(key),))
        return json.loads(raw) if raw else {}

    async def close(self) -> None:
        """The database is closed by its owner in bot.py."""
