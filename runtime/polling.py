"""Long polling that loses nothing: an update is confirmed to Telegram only once it is in the inbox.

aiogram's own polling moves the offset on as soon as a batch is read, so a crash while handlers
run (or while an album is being collected) loses those updates. Here every batch is written to
the SQLite inbox first; the next getUpdates then confirms it. An update leaves the inbox only
when its handler has finished, and whatever is left at start-up is replayed. See docs/inbox.md.

Updates of one chat are handled one after another, in order; different chats run concurrently.
The parts of an album (same media_group_id) are collected and handed to one handler call as
`album=[Message, ...]`.

A handler that failed for a transient reason (Telegram or a proxy answered 5xx or an HTML page, the
connection was cut: `runtime.session.is_transient`) has not finished its update: the update stays
in the inbox and is run again after a pause, still at the head of its chat's queue, so that chat's
later updates keep waiting behind it. Any other failure was answered by the errors router and ends
the update. After `MAX_UPDATE_ATTEMPTS` (about 17 minutes) the update is set aside so the chat
goes on: it stays in the inbox and runs again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates
from aiogram.types import Message, Update

from database.inbox import InboxEntry, InboxRepo
from runtime.session import is_transient, short_reason
from services.group_commit import GroupCommit

log = logging.getLogger(__name__)

ALBUM_IDLE_SECONDS = 0.6
POLL_TIMEOUT_SECONDS = 25
MAX_CONCURRENT_UPDATES = 64
SHUTDOWN_GRACE_SECONDS = 3.0  # what is unfinished then stays in the inbox and is replayed
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
MAX_RETRY_SECONDS = 60.0
MAX_UPDATE_ATTEMPTS = 20


def retry_delay(failures: int) -> float:
    """Pause before running an update again after a transient failure: 1 s, 2 s, 4 s ... 60 s."""
    return min(MAX_RETRY_SECONDS, 2.0 ** (failures - 1))


def chat_key(update: Update) -> int:
    """Updates with the same key are handled strictly in order."""
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    if update.my_chat_member is not None:
        return update.my_chat_member.chat.id
    return -update.update_id


@dataclass(slots=True)
class _Album:
    group_id: str
    updates: list[Update] = field(default_factory=list)
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    timer: asyncio.TimerHandle | None = None


_Item = Update | _Album


class ChatScheduler:
    """Per-chat queues: order within a chat, concurrency across chats, albums collected."""

    def __init__(self, handle: Callable[[list[Update]], Awaitable[bool]]) -> None:
        """`handle(batch)` returns False when the batch must be run again later (a transient failure)."""
        self._handle = handle
        self._queues: dict[int, deque[_Item]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._open_albums: dict[tuple[int, str], _Album] = {}
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_UPDATES)

    def submit(self, update: Update) -> None:
        key = chat_key(update)
        queue = self._queues.setdefault(key, deque())
        group_id = update.message.media_group_id if update.message is not None else None
        if group_id is None:
            queue.append(update)
        else:
            album = self._open_albums.get((key, group_id))
            if album is None:
                album = self._open_albums[(key, group_id)] = _Album(group_id)
                queue.append(album)
            album.updates.append(update)
            self._restart_timer(key, album)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._run_chat(key), name=f"chat-{key}")

    def _restart_timer(self, key: int, album: _Album) -> None:
        if album.timer is not None:
            album.timer.cancel()
        album.timer = asyncio.get_running_loop().call_later(ALBUM_IDLE_SECONDS, self._close_album, key, album)

    def _close_album(self, key: int, album: _Album) -> None:
        self._open_albums.pop((key, album.group_id), None)
        album.complete.set()

    def flush_albums(self) -> None:
        """Stop waiting for more album parts (shutdown)."""
        for (key, _), album in list(self._open_albums.items()):
            if album.timer is not None:
                album.timer.cancel()
            self._close_album(key, album)

    async def _run_chat(self, key: int) -> None:
        queue = self._queues[key]
        try:
            while queue:
                item = queue[0]
                if isinstance(item, _Album):
                    await item.complete.wait()
                    batch = sorted(item.updates, key=lambda u: u.update_id)
                else:
                    batch = [item]
                await self._handle_until_done(key, batch)
                queue.popleft()
        finally:
            del self._workers[key]
            if not queue:
                self._queues.pop(key, None)

    async def _handle_until_done(self, key: int, batch: list[Update]) -> None:
        failures = 0
        while True:
            async with self._slots:
                if await self._handle(batch):
                    return
            failures += 1
            if failures >= MAX_UPDATE_ATTEMPTS:
                log.error(
                    "Update %s of chat %s failed %d times for transient reasons; set aside until the next"
                    " start (it stays in the inbox)", batch[0].update_id, key, failures,
                )  # fmt: skip
                return
            delay = retry_delay(failures)
            log.warning(
                "Update %s of chat %s failed for a transient reason (attempt %d); running it again in %.0f s",
                batch[0].update_id, key, failures, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)  # outside the slot: other chats go on meanwhile

    async def drain(self, timeout: float) -> None:
        """Wait for queued work to finish, then cancel what is left (it stays in the inbox)."""
        self.flush_albums()
        workers = list(self._workers.values())
        if not workers:
            return
        _, pending = await asyncio.wait(workers, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class DurablePolling:
    def __init__(self, dp: Dispatcher, bot: Bot, inbox: InboxRepo | None, **workflow_data: object) -> None:
        """`inbox=None` confirms updates as soon as they are read (only to measure what the inbox costs)."""
        self._dp = dp
        self._bot = bot
        self._inbox = inbox
        self._extra = workflow_data
        self._data: dict[str, object] = {}  # set at start, as aiogram's start_polling does
        self._scheduler = ChatScheduler(self._dispatch)
        self._stop = asyncio.Event()
        # Handled marks in groups; a failed group is dropped: those updates stay in the inbox and a
        # replay of them is harmless (handlers are idempotent).
        self._handled: GroupCommit[int] | None = (
            GroupCommit(inbox.mark_handled, name="inbox-marks") if inbox is not None else None
        )
        self.running = False

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Like aiogram's start_polling: the dispatcher's startup observers run before the first update
        and its shutdown observers after the last, with the same arguments aiogram passes them."""
        self._data = {"dispatcher": self._dp, "bots": [self._bot], **self._dp.workflow_data, **self._extra}
        self._data.pop("bot", None)
        await self._dp.emit_startup(bot=self._bot, **self._data)
        self.running = True  # from now on a signal stops polling; before, it cancels the start-up
        try:
            await self._replay()
            poller = asyncio.create_task(self._poll(), name="polling")
            stopper = asyncio.create_task(self._stop.wait(), name="stop-signal")
            await asyncio.wait({poller, stopper}, return_when=asyncio.FIRST_COMPLETED)
            poller.cancel()
            stopper.cancel()
            await asyncio.gather(poller, stopper, return_exceptions=True)
            await self._scheduler.drain(timeout=SHUTDOWN_GRACE_SECONDS)
            if self._handled is not None:
                await self._handled.flush()
        finally:
            await self._dp.emit_shutdown(bot=self._bot, **self._data)

    async def _replay(self) -> None:
        if self._inbox is None:
            return
        await self._inbox.prune()  # handled ids are kept a few days: long enough to spot a redelivery
        pending = await self._inbox.pending()
        if pending:
            log.info("Replaying %d update(s) left unhandled by the previous run", len(pending))
        for entry in pending:
            self._scheduler.submit(Update.model_validate_json(entry.payload, context={"bot": self._bot}))

    async def _poll(self) -> None:
        offset: int | None = None
        confirmed = False  # until a batch is stored, Telegram may resend what the inbox already has
        failures = 0
        while True:
            try:
                updates = await self._bot(
                    GetUpdates(offset=offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=ALLOWED_UPDATES),
                    request_timeout=POLL_TIMEOUT_SECONDS + 10,
                )
                failures = 0
            except TelegramUnauthorizedError:
                log.critical("Telegram rejected BOT_TOKEN (401 Unauthorized): check the token")
                raise
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
                continue
            except (
                TelegramNetworkError,
                TelegramServerError,
                TelegramConflictError,
                ClientDecodeError,
            ) as exc:
                if isinstance(exc, ClientDecodeError) and not is_transient(exc):
                    raise
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); retrying in %.1f s", short_reason(exc), delay)
                await asyncio.sleep(delay)
                continue
            if not updates:
                continue
            offset = updates[-1].update_id + 1
            if self._inbox is None:
                for update in updates:
                    self._scheduler.submit(update)
                continue
            try:
                fresh = await self._inbox.store([_entry(u) for u in updates], check_known=not confirmed)
            except sqlite3.Error as exc:  # locked or read-only: Telegram keeps the batch meanwhile
                offset = updates[0].update_id
                confirmed = False
                failures += 1
                log.error("Cannot write the inbox (%s); the batch stays unconfirmed, retrying", exc)
                await asyncio.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))
                continue
            for entry in fresh:  # safe from a process crash already: handling may start
                self._scheduler.submit(_by_id(updates, entry.update_id))
            try:  # safe from a power cut before the next getUpdates confirms the batch to Telegram
                await self._inbox.flush_to_disk()
            except OSError as exc:  # not known to be on disk: let Telegram keep the batch
                offset, confirmed = updates[0].update_id, False
                log.error("Cannot flush the inbox to disk (%s); the batch stays unconfirmed", exc)
                await asyncio.sleep(1.0)
                continue
            confirmed = True  # from now on Telegram sends each update once

    async def _dispatch(self, batch: list[Update]) -> bool:
        """Handle one update (or album); False when it failed for a transient reason and stays."""
        first = batch[0]
        extra: dict[str, object] = {}
        if first.message is not None and first.message.media_group_id is not None:
            extra["album"] = [update.message for update in batch if isinstance(update.message, Message)]
        try:
            await self._dp.feed_update(self._bot, first, **self._data, **extra)
        except Exception as exc:  # the errors router answered permanent failures; transient ones come here
            if is_transient(exc):
                log.warning("Update %s failed for now: %s", first.update_id, short_reason(exc))
                return False
            log.exception("Update %s was not handled", first.update_id)
        if self._handled is not None:
            self._handled.extend(update.update_id for update in batch)
        return True


def _entry(update: Update) -> InboxEntry:
    payload = update.model_dump_json(exclude_none=True, by_alias=True)
    return InboxEntry(update.update_id, chat_key(update), payload)


def _by_id(updates: list[Update], update_id: int) -> Update:
    return next(update for update in updates if update.update_id == update_id)
