"""When each person last used the bot, for the admin's card: cheap enough for every update.

The time is written at most once per person every `every` seconds (five minutes by default), so a busy
employee costs one small write per five minutes, not one per message. A failed write is logged and
forgotten: "last seen" must never stop an update from being handled."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable

from database.users import UserRepo

log = logging.getLogger(__name__)

SEEN_EVERY_SECONDS = 300.0


class LastSeen:
    def __init__(
        self, users: UserRepo, every: float = SEEN_EVERY_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self._users = users
        self._every = every
        self._clock = clock
        self._written: dict[int, float] = {}  # telegram id -> when its last_seen was written

    async def saw(self, telegram_id: int) -> bool:
        """The person sent an update now; True when that was written."""
        now = self._clock()
        last = self._written.get(telegram_id)
        if last is not None and 0 <= now - last < self._every:
            return False
        self._written[telegram_id] = now
        try:
            await self._users.touch_seen(telegram_id, now)
        except sqlite3.Error as exc:
            log.warning("Could not store when user %s was last seen: %s", telegram_id, exc)
            return False
        return True
