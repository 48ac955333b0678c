"""The outgoing module: everything the bot sends to a person goes through here, durably.

One API: `Outbox.enqueue(deliveries, batch)` (services see it as `services.ports.Deliveries`). A
`Delivery` is one Bot API call (a message, a photo/video/document, an album, a reaction) with a
dedup key; it is stored in SQLite first (one transaction, idempotent by key) and then sent by this
worker, many chats at once, through the rate-limited session (`runtime.session`). Within one chat it
takes turns between the people whose messages the deliveries carry (`runtime.outbox_queue`). A
restart finds unsent rows and sends them; a user who blocked the bot is marked unreachable. When
every delivery of a batch is done, its reporter builds one message for the person who caused it
(`runtime.outbox_reports`). Stored payloads become calls in `runtime.outbox_calls`. The one delivery
without a row is a quiet batch's reaction receipt (the relay's 👍): see `_send_receipt`.

Retries have one owner per call. The outbox's calls are `CallerRetries`: the session makes one
attempt (flood control still applies) and a 429, a 5xx or a network error postpones the row in
SQLite with backoff, up to `MAX_ATTEMPTS` (hours), surviving restarts. Every other call is retried
by the session only (`runtime.session.MAX_ATTEMPTS`).

What does not come through here, on purpose: immediate answers to the update being handled
(`message.answer`, `bot.send_message` to the callback's own chat, editing the message whose button
was pressed, pinning the order card, the "typing" action) stay in the handlers. They are part of
handling that update: if one fails for a transient reason the update stays in the inbox and is run
again (docs/inbox.md), so they need no outbox row. Profile and command-menu calls are not messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from database.outbox import BatchSpec, Delivery, Method, OutboxItem, OutboxRepo, SentMark, Status, lane_of
from runtime.outbox_calls import send_item
from runtime.outbox_delays import EDIT_OF, SlowBatches
from runtime.outbox_queue import FairQueue
from runtime.outbox_reports import BatchReports, Reporter
from runtime.session import is_transient, short_reason
from services.group_commit import GroupCommit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 60
MAX_RETRY_DELAY = 300.0
IDLE_RECHECK_SECONDS = 30.0
MARK_RETRY_SECONDS = 1.0
SLOW_SECONDS = 30.0  # a batch not done by then shows its sender "⏳ доставка задерживается"

PayloadConverter = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
BlockedHook = Callable[[int], Awaitable[None]]


class Outbox:
    def __init__(
        self,
        repo: OutboxRepo,
        bot: Bot,
        slow_after: float = SLOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repo = repo
        self._bot = bot
        self._slow = SlowBatches(self.enqueue, slow_after, clock)
        self._reports = BatchReports(repo, self.enqueue, self._slow.finished, self._send_receipt)
        self._on_blocked: list[BlockedHook] = []
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()  # set once rows left by an earlier run are queued
        # Stored rows may be missing from memory: the last read was a full page, or rows were stored
        # before the first read was done. Then the stored rows are read again once every sender is
        # done; otherwise there is nothing to read (a retry wakes the loop at its own time).
        self._unread = False
        self._queues: dict[int, FairQueue] = {}  # per chat, due items: in id order per sender
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._known: set[int] = set()  # ids queued in memory or being sent
        # chats whose earliest item waits for a retry -> when it is due (time.time()); set by a sender
        # that postpones, kept by the loop until due even if a read of stored rows missed it
        self._held: dict[int, float] = {}
        self._finished_during_read: set[int] | None = None
        # Deliveries sent with nobody to report to are marked in groups (one write per group). A
        # failed write is retried: until marked, a row stays in _known, so a read of stored rows
        # never sends it again. Only at shutdown does it give up; the rows then stay pending and go
        # out once more after the restart (at least once, never lost).
        self._unmarked: set[int] = set()
        self._sent = GroupCommit(self._write_sent, name="outbox-sent", retry_seconds=MARK_RETRY_SECONDS)
        self._convert: PayloadConverter | None = None
        # Receipts (reactions) sent without a row: item id (negative) -> the delivery, and what to call
        # once it is out, refused, or stored after all (see `_send_receipt`).
        self._volatile: dict[int, tuple[Delivery, Callable[[], None]]] = {}
        self._volatile_ids = itertools.count(-1, -1)

    def convert_payloads(self, converter: PayloadConverter) -> None:
        """Turn stored references into what aiogram sends (files from the share into uploads)."""
        self._convert = converter

    def add_reporter(self, kind: str, reporter: Reporter) -> None:
        self._reports.add_reporter(kind, reporter)

    def on_blocked(self, hook: BlockedHook) -> None:
        self._on_blocked.append(hook)

    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None:
        """Store deliveries durably, then hand them straight to their chat's sender."""
        batch_id, added = await self._repo.add(deliveries, batch)
        if batch_id is not None and not deliveries:
            await self._reports.report(batch_id)
        elif batch is not None and batch_id is not None:
            self._reports.track(batch_id, batch, len(added))
            if added:
                self._slow.start(batch_id, batch)
        if self._ready.is_set():
            for item in added:
                self._push(item)
        elif added:
            self._unread = True

    async def _send_receipt(self, delivery: Delivery, settled: Callable[[], None]) -> None:
        """Send a reaction without storing it: setting it twice changes nothing, so the caller keeps what
        would redo it (its batch, unreported) until `settled` is called. One that has to wait (its chat
        is behind a retry, or the send is postponed) is stored like any delivery, and then settled."""
        item = OutboxItem(
            next(self._volatile_ids), delivery.chat_id, delivery.method, delivery.payload, None, 0, 0.0,
            lane_of(delivery.dedup_key),
        )  # fmt: skip
        self._volatile[item.id] = (delivery, settled)
        if item.chat_id in self._held or not self._ready.is_set():
            await self._store_volatile([item])
        else:
            self._push(item)

    async def _store_volatile(self, items: Sequence[OutboxItem]) -> None:
        kept = [self._volatile.pop(item.id) for item in items if item.id in self._volatile]
        if kept:
            await self.enqueue([delivery for delivery, _ in kept])
            for _, settled in kept:
                settled()

    async def check_slow(self) -> None:
        """Tell the senders of batches waiting too long (the running outbox does this every second)."""
        await self._slow.check()

    async def run(self) -> None:
        slow = asyncio.create_task(self._slow.run(), name="outbox-slow")
        try:
            await self._run()
        finally:
            slow.cancel()

    async def _run(self) -> None:
        for batch_id in await self._repo.open_batches():  # reports a crash interrupted
            await self._reports.report(batch_id)
        while True:
            self._wake.clear()
            next_due = await self._queue_stored()
            self._ready.set()
            timeout = IDLE_RECHECK_SECONDS if next_due is None else max(0.0, next_due - time.time())
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that lands
            # just as the wake-up does, and the shutdown would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()

    async def _queue_stored(self) -> float | None:
        """Queue stored rows nobody is sending (a restart, a retry now due); return the next retry time."""
        # A sender may finish while this read is under way; the rows it read are then stale, so
        # whatever finished meanwhile is excluded too.
        self._finished_during_read = set()
        self._unread = False
        stored = await self._repo.pending(exclude=set(self._known))
        self._unread = self._unread or stored.more
        finished, self._finished_during_read = self._finished_during_read, None
        now = time.time()
        # A chat a sender postponed while the read was under way stays held: the read may predate it.
        held = {chat: due for chat, due in self._held.items() if due > now}
        for chat, due in stored.held.items():
            held[chat] = min(due, held.get(chat, due))
        self._held = held  # later items of those chats keep their place behind the retry
        for item in stored.items:
            if item.id in finished or item.id in self._known or item.chat_id in self._held:
                continue
            self._push(item)
        return min(self._held.values(), default=None)

    def _push(self, item: OutboxItem) -> None:
        if item.id in self._known or item.chat_id in self._held:
            return  # already queued, or waiting behind a retry: the next read of stored rows brings it
        self._known.add(item.id)
        self._queues.setdefault(item.chat_id, FairQueue()).append(item)
        if item.chat_id not in self._senders:
            task = asyncio.create_task(self._send_chat(item.chat_id), name=f"out-{item.chat_id}")
            self._senders[item.chat_id] = task
            task.add_done_callback(self._sender_done)

    def _sender_done(self, task: asyncio.Task[None]) -> None:
        crashed = not task.cancelled() and task.exception() is not None
        if crashed:
            log.error("Outbox sender crashed", exc_info=task.exception())
        if crashed or (not self._senders and self._unread):
            self._wake.set()  # rows are left in the database (a page beyond the last read): read again

    async def _send_chat(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                item = queue.head()
                delivered = await self._send_one(item)
                queue.pop_head()
                self._forget(item.id)
                if not delivered:  # postponed (now held): the rest wait behind it, in order, in the database
                    rest = queue.take_all()
                    for other in rest:
                        self._forget(other.id)
                    await self._store_volatile(rest)  # receipts among them get their rows now
                    self._wake.set()  # the loop's next wake-up may now be sooner
        finally:
            for item in queue.take_all():
                self._forget(item.id)
                self._volatile.pop(item.id, None)  # a receipt dropped here is redone from its batch
            del self._queues[chat_id]
            del self._senders[chat_id]

    def _forget(self, item_id: int) -> None:
        if item_id in self._unmarked:
            return  # forgotten once its "sent" mark is written
        self._known.discard(item_id)
        if self._finished_during_read is not None:
            self._finished_during_read.add(item_id)

    async def _send_one(self, item: OutboxItem) -> bool:
        """Send one item; False when it was postponed."""
        try:
            args = item.payload if self._convert is None else await self._convert(dict(item.payload))
            if item.method is Method.EDIT_TEXT:
                edited = await self._edit_target(args)
                if edited is None:  # the message to edit never went out: nothing to change
                    await self._finish(item, Status.FAILED, [], "no message to edit")
                    return True
                args = edited
            sent = await send_item(self._bot, item, args)
        except TelegramForbiddenError as exc:
            await self._finish(item, Status.BLOCKED, [], exc.message)
            for hook in self._on_blocked:
                await hook(item.chat_id)
            return True
        except TelegramBadRequest as exc:
            status = Status.BLOCKED if "chat not found" in exc.message else Status.FAILED
            log.error("Outbox item %s to %s refused: %s", item.id, item.chat_id, exc.message)
            await self._finish(item, status, [], exc.message)
            return True
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError, ClientDecodeError) as exc:
            if not is_transient(exc):  # an answer of the wrong shape: sending again would not help
                log.error("Outbox item %s to %s: unreadable answer: %s", item.id, item.chat_id, exc)
                await self._finish(item, Status.FAILED, [], "unreadable answer")
                return True
            return await self._postpone(item, exc)
        except OSError as exc:  # a file from the share vanished or became a link: not sent, ever
            log.error("Outbox item %s to %s not sent: %s", item.id, item.chat_id, exc)
            await self._finish(item, Status.FAILED, [], str(exc))
            return True
        await self._finish(item, Status.SENT, sent, None)
        return True

    async def _edit_target(self, args: dict[str, Any]) -> dict[str, Any] | None:
        """An edit's arguments with the message id of the row it names, None if that was not sent."""
        await self._sent.flush()  # the notice's "sent" mark may still wait in its group
        ids = await self._repo.message_ids_of(str(args.get(EDIT_OF, "")))
        if not ids:
            return None
        return {**{k: v for k, v in args.items() if k != EDIT_OF}, "message_id": ids[0]}

    async def _postpone(self, item: OutboxItem, exc: Exception) -> bool:
        """The only retry of an outbox call (the session made one attempt): later, from the database."""
        if item.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "Outbox item %s to %s given up after %d attempts: %s",
                item.id,
                item.chat_id,
                item.attempts + 1,
                exc,
            )
            await self._finish(item, Status.FAILED, [], str(exc))
            return True
        delay = (
            exc.retry_after
            if isinstance(exc, TelegramRetryAfter)
            else min(MAX_RETRY_DELAY, 2.0**item.attempts)
        )
        reason = short_reason(exc)
        if isinstance(exc, TelegramNetworkError):  # the request may have reached Telegram before the cut
            reason += " (may have been delivered: sent again, at least once)"
        log.warning("Outbox item %s to %s postponed %.0f s: %s", item.id, item.chat_id, delay, reason)
        volatile = self._volatile.pop(item.id, None)
        if volatile is None:
            await self._repo.postpone(item.id, delay, reason)
        else:  # a receipt sent without a row gets one now, to wait for its retry like the others
            delivery, settled = volatile
            _, added = await self._repo.add([delivery])
            for row in added:
                await self._repo.postpone(row.id, delay, reason)
            settled()
        self._held[item.chat_id] = time.time() + delay
        return False

    async def _finish(self, item: OutboxItem, status: Status, ids: list[int], error: str | None) -> None:
        volatile = self._volatile.pop(item.id, None)
        if volatile is not None:  # a receipt without a row: nothing to mark
            volatile[1]()
            return
        quiet = item.batch_id is None or self._reports.is_quiet(item.batch_id)
        if status is Status.SENT and quiet:
            self._unmarked.add(item.id)
            self._sent.add(SentMark(item.id, ids, time.time()))
        else:
            await self._sent.flush()  # a report reads the batch's rows: they must be current
            await self._repo.finish(item.id, status, ids, error)
        if item.batch_id is not None:  # a quiet batch counts down; any other is read back and reported
            await self._reports.item_done(item.batch_id, delivered=status is Status.SENT and quiet)

    async def _write_sent(self, marks: list[SentMark]) -> None:
        await self._repo.finish_sent(marks)
        for mark in marks:
            self._unmarked.discard(mark.item_id)
            self._forget(mark.item_id)

    async def flush(self) -> None:
        """At shutdown: write the last groups of "sent" and "reported" marks."""
        self._sent.close()
        await self._sent.flush()
        await self._reports.flush()
