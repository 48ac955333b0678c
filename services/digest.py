"""The admins' daily digest: once a day at DIGEST_TIME (local), the last 24 hours in figures.

Sent through the outbox, one message per active admin, keyed `digest:<day>:<admin>`: those rows are
the record of the day sent, so a restart does not send it twice, and a bot that was down at that time
sends it as soon as it runs again the same day (after DIGEST_TIME, never the next morning).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time

import texts
from database.digest import DIGEST_KEY, DigestRepo
from database.outbox import Delivery, Method
from database.users import Level, UserRepo
from services import periodic
from services.ports import Deliveries

log = logging.getLogger(__name__)

CHECK_SECONDS = 60.0
PERIOD = timedelta(days=1)


class DailyDigest:
    def __init__(
        self,
        repo: DigestRepo,
        users: UserRepo,
        outbox: Deliveries,
        at: clock_time,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._repo = repo
        self._users = users
        self._outbox = outbox
        self._at = at
        self._now = now  # local, naive: what the dealer's clock on the wall says
        self._done_day: str | None = None  # known sent: the database is not asked again that day

    async def run(self) -> None:
        await periodic.every(CHECK_SECONDS, self.send_if_due, log, "Daily digest round failed")

    async def send_if_due(self) -> bool:
        """Queue today's digest if its time has come and it was not queued yet; True if queued now."""
        now = self._now()
        if now.time() < self._at:
            return False
        day = now.date().isoformat()
        if day == self._done_day:
            return False
        if await self._repo.sent_on(day):
            self._done_day = day
            return False
        admins = await self._users.active_with_level(Level.ADMIN)
        if not admins:
            return False  # nobody to tell yet: asked again at the next round
        since = now - PERIOD
        figures = await self._repo.figures(since.timestamp(), since.strftime("%Y-%m-%d %H:%M:%S"))
        text = texts.daily_digest(now.strftime("%d.%m.%Y %H:%M"), figures)
        await self._outbox.enqueue(
            [
                Delivery(
                    admin.telegram_id,
                    Method.MESSAGE,
                    {"text": text},
                    f"{DIGEST_KEY}:{day}:{admin.telegram_id}",
                )
                for admin in admins
            ]
        )
        self._done_day = day
        log.info("Daily digest of %s queued for %d admins", day, len(admins))
        return True


def _message(chat_id: int, text: str, key: str) -> Delivery:
    return Delivery(chat_id, Method.MESSAGE, {"text": text}, dedup_key=key)
