"""The update queue and getUpdates (long polling, offsets, 409 on a second poller), webhook stubs, getMe."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from .common import (
    DEFAULT_UPDATE_TYPES_EXCLUDED,
    _int_or_none,
    _Poll,
)
from .models import ApiError
from .state import EmulatorState
from .users import SimUser


class UpdatesMixin(EmulatorState):
    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_polling(self, timeout: float = 10.0, since: float | None = None) -> None:
        """Wait for a getUpdates call (arriving at or after ``since``, a time.monotonic() value)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_poll_at is None or (since is not None and self.last_poll_at < since):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no getUpdates from the bot within {timeout}s")
            event = self._poll_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.1))

    def new_id(self) -> str:
        return str(next(self._ids))

    def new_media_group_id(self) -> str:
        return str(13000000000000000 + next(self._ids))

    def push_update(self, kind: str, payload: dict) -> int:
        uid = self._next_update_id
        self._next_update_id += 1
        self._updates.append((uid, kind, {"update_id": uid, kind: payload}))
        self._pushed[uid] = (kind, {"update_id": uid, kind: payload})
        self._wake_poll()
        return uid

    def replay_update(self, update_id: int) -> None:
        """Deliver an update once more with its own update_id, as Telegram does when the bot's
        confirmation (the next offset) never arrived: the bot must not act on it twice."""
        self._replays.append(self._pushed[update_id][1])
        self._wake_poll()

    def _wake_poll(self) -> None:
        poll = self._active_poll
        if poll is not None and not poll.fut.done():
            poll.fut.set_result(None)

    def push_member_update(self, user: SimUser, old: str, new: str) -> None:
        bot = self.bot_user
        old_member: dict[str, Any] = {"status": old, "user": bot}
        new_member: dict[str, Any] = {"status": new, "user": bot}
        if old == "kicked":
            old_member["until_date"] = 0
        if new == "kicked":
            new_member["until_date"] = 0
        self.push_update(
            "my_chat_member",
            {
                "chat": user.chat_dict,
                "from": user.user_dict,
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    async def _m_getMe(self, p: dict, files: dict) -> Any:
        return self._me

    async def _m_deleteWebhook(self, p: dict, files: dict) -> Any:
        self._webhook_url = ""
        if str(p.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, p: dict, files: dict) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_getUpdates(self, p: dict, files: dict) -> Any:
        offset = _int_or_none(p.get("offset")) or 0
        limit = min(max(_int_or_none(p.get("limit")) or 100, 1), 100)
        timeout = max(_int_or_none(p.get("timeout")) or 0, 0)
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else None
        updates = self._updates
        if offset > 0:
            while updates and updates[0][0] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        loop = asyncio.get_running_loop()
        previous = self._active_poll
        if previous is not None:
            previous.conflict = True
            if not previous.fut.done():
                previous.fut.set_result(None)
        poll = _Poll(loop.create_future())
        self._active_poll = poll
        self.last_poll_at = time.monotonic()
        self.bot_started.set()
        self._poll_event.set()
        self._poll_event = asyncio.Event()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.conflict:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                batch = self._collect(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._stopping:
                    return batch
                if poll.fut.done():
                    poll.fut = loop.create_future()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poll.fut, remaining)
        finally:
            if self._active_poll is poll:
                self._active_poll = None

    def _collect(self, limit: int) -> list[dict]:
        batch: list[dict] = []
        while self._replays and len(batch) < limit:
            batch.append(self._replays.popleft())
        allowed = self._allowed
        drop = []
        for entry in self._updates:
            kind = entry[1]
            if (kind not in allowed) if allowed is not None else (kind in DEFAULT_UPDATE_TYPES_EXCLUDED):
                drop.append(entry)
                continue
            batch.append(entry[2])
            if len(batch) >= limit:
                break
        for entry in drop:
            self._updates.remove(entry)
        return batch
