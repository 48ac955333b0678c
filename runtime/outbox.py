"""The delivery outbox: everything the bot sends on someone's behalf goes through SQLite first.

A handler stores its deliveries (one transaction, idempotent by key) and returns; this worker
sends them, many chats at once, through the rate-limited session. Within one chat it takes turns
between the people whose messages the deliveries carry (round-robin over senders, each sender's
own in order): forty messages from one client do not hold back another client's one. A restart
finds unsent rows and sends them; a 429, a 5xx or a network error postpones a row with backoff;
a user who blocked the bot is marked unreachable. When every delivery of a batch is done, its
reporter builds one message for the person who caused it ("saved 12 files, sent to the client").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
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
from aiogram.methods import (
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendVideo,
    SetMessageReaction,
)
from aiogram.types import (
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReactionTypeEmoji,
    ReplyParameters,
)
from pydantic import BaseModel, ConfigDict

from database.outbox import Batch, BatchSpec, Delivery, Method, OutboxItem, OutboxRepo, SentMark, Status
from runtime.session import CallerRetries, is_transient, short_reason

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 60
MAX_RETRY_DELAY = 300.0
IDLE_RECHECK_SECONDS = 30.0
MARK_RETRY_SECONDS = 1.0

Reporter = Callable[[Batch], Delivery | None]
PayloadConverter = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
BlockedHook = Callable[[int], Awaitable[None]]

_MEDIA_TYPES = {"photo": InputMediaPhoto, "video": InputMediaVideo, "document": InputMediaDocument}


# --- sends that read back only the message id -------------------------------------------------
# aiogram parses every answer into a full Message: the chat, the sender, the entities, each a
# model with its own hooks. The outbox keeps only the id, so its calls declare a smaller answer.
# They are `CallerRetries`: the session tries once, the outbox postpones the row durably.


class Receipt(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message_id: int


class SendMessageReceipt(SendMessage, CallerRetries):
    __returning__ = Receipt


class SendPhotoReceipt(SendPhoto, CallerRetries):
    __returning__ = Receipt


class SendVideoReceipt(SendVideo, CallerRetries):
    __returning__ = Receipt


class SendDocumentReceipt(SendDocument, CallerRetries):
    __returning__ = Receipt


class SendMediaGroupReceipt(SendMediaGroup, CallerRetries):
    __returning__ = list[Receipt]


_SENDS = {
    Method.MESSAGE: SendMessageReceipt,
    Method.PHOTO: SendPhotoReceipt,
    Method.VIDEO: SendVideoReceipt,
    Method.DOCUMENT: SendDocumentReceipt,
}


class Outbox:
    def __init__(self, repo: OutboxRepo, bot: Bot) -> None:
        self._repo = repo
        self._bot = bot
        self._reporters: dict[str, Reporter] = {}
        self._on_blocked: list[BlockedHook] = []
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()  # set once rows left by an earlier run are queued
        self._queues: dict[int, FairQueue] = {}  # per chat, due items: in id order per sender
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._known: set[int] = set()  # ids queued in memory or being sent
        self._held: set[int] = set()  # chats whose earliest item waits for a retry
        self._finished_during_read: set[int] | None = None
        # Batches made by this run whose reporter speaks only of problems: batch id -> items left.
        # When all went out the database is not even asked; the "reported" marks go in groups.
        self._quiet_batches: dict[int, int] = {}
        self._on_success: dict[int, Delivery] = {}  # quiet batch id -> its BatchSpec.on_success
        self._quietly_done: list[int] = []
        self._marking: asyncio.Task[None] | None = None
        # Deliveries sent with nobody to report to are marked in groups (one write per group);
        # until marked they stay in _known, so a read of stored rows never sends them again.
        self._sent_marks: list[SentMark] = []
        self._unmarked: set[int] = set()
        self._writing_marks: asyncio.Task[None] | None = None
        self._closing = False
        self._convert: PayloadConverter | None = None

    def convert_payloads(self, converter: PayloadConverter) -> None:
        """Turn stored references into what aiogram sends (files from the share into uploads)."""
        self._convert = converter

    def add_reporter(self, kind: str, reporter: Reporter) -> None:
        self._reporters[kind] = reporter

    def on_blocked(self, hook: BlockedHook) -> None:
        self._on_blocked.append(hook)

    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None:
        """Store deliveries durably, then hand them straight to their chat's sender."""
        batch_id, added = await self._repo.add(deliveries, batch)
        if batch_id is not None and not deliveries:
            await self._report(batch_id)
        elif batch is not None and batch.only_problems and batch_id is not None and added:
            self._quiet_batches[batch_id] = self._quiet_batches.get(batch_id, 0) + len(added)
            if batch.on_success is not None:
                self._on_success[batch_id] = batch.on_success
        if self._ready.is_set():
            for item in added:
                self._push(item)

    async def run(self) -> None:
        for batch_id in await self._repo.open_batches():  # reports a crash interrupted
            await self._report(batch_id)
        while True:
            self._wake.clear()
            next_due = await self._queue_stored()
            self._ready.set()
            timeout = IDLE_RECHECK_SECONDS if next_due is None else max(0.0, next_due - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _queue_stored(self) -> float | None:
        """Queue stored rows nobody is sending (a restart, a retry now due); return the next retry time."""
        # A sender may finish while this read is under way; the rows it read are then stale, so
        # whatever finished meanwhile is excluded too.
        self._finished_during_read = set()
        items = await self._repo.pending(exclude=set(self._known))
        finished, self._finished_during_read = self._finished_during_read, None
        self._held.clear()
        next_due: float | None = None
        now = time.time()
        for item in items:
            if item.id in finished or item.id in self._known or item.chat_id in self._held:
                continue
            if item.next_attempt_at > now:
                next_due = item.next_attempt_at if next_due is None else min(next_due, item.next_attempt_at)
                self._held.add(item.chat_id)  # later items of that chat keep their place behind it
                continue
            self._push(item)
        return next_due

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
        if crashed or self._held or not self._senders:
            self._wake.set()  # rows left in the database: a retry to schedule, or idle to report

    async def _send_chat(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                item = queue.head()
                delivered = await self._send_one(item)
                queue.pop_head()
                self._forget(item.id)
                if not delivered:  # postponed: the rest wait behind it, in order, in the database
                    self._held.add(chat_id)
                    for rest in queue.take_all():
                        self._forget(rest.id)
        finally:
            for item in queue.take_all():
                self._forget(item.id)
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
            sent = await self._call(item)
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
        await self._finish(item, Status.SENT, [message.message_id for message in sent], None)
        return True

    async def _postpone(self, item: OutboxItem, exc: Exception) -> bool:
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
        await self._repo.postpone(item.id, delay, reason)
        return False

    async def _finish(self, item: OutboxItem, status: Status, ids: list[int], error: str | None) -> None:
        left = self._quiet_batches.get(item.batch_id) if item.batch_id is not None else None
        if status is Status.SENT and (item.batch_id is None or left is not None):
            self._mark_sent_later(SentMark(item.id, ids, time.time()))
        else:
            await self._write_sent_marks()  # a report reads the batch's rows: they must be current
            await self._repo.finish(item.id, status, ids, error)
        if item.batch_id is None:
            return
        if left is None or status is not Status.SENT:
            self._quiet_batches.pop(item.batch_id, None)  # a problem: the reporter must hear of it
            self._on_success.pop(item.batch_id, None)
            await self._report(item.batch_id)
        elif left > 1:
            self._quiet_batches[item.batch_id] = left - 1
        else:
            del self._quiet_batches[item.batch_id]
            self._quietly_done.append(item.batch_id)
            if self._marking is None or self._marking.done():
                self._marking = asyncio.create_task(self._mark_quiet_batches(), name="outbox-marks")
            success = self._on_success.pop(item.batch_id, None)
            if success is not None:
                await self.enqueue([success])

    def _mark_sent_later(self, mark: SentMark) -> None:
        self._sent_marks.append(mark)
        self._unmarked.add(mark.item_id)
        if self._writing_marks is None or self._writing_marks.done():
            self._writing_marks = asyncio.create_task(self._write_sent_marks(), name="outbox-sent")

    async def _write_sent_marks(self) -> None:
        """Group commit: marks made while one write runs go together in the next one.

        A failed write is retried: until marked, a row stays in _known, so it is not sent again.
        Only at shutdown does it give up; the rows then stay pending and go out once more after
        the restart (at least once, never lost).
        """
        while self._sent_marks:
            marks, self._sent_marks = self._sent_marks, []
            try:
                await self._repo.finish_sent(marks)
            except Exception:
                log.exception("Could not mark %d sent deliveries", len(marks))
                self._sent_marks = marks + self._sent_marks
                if self._closing:
                    return
                await asyncio.sleep(MARK_RETRY_SECONDS)
                continue
            for mark in marks:
                self._unmarked.discard(mark.item_id)
                self._forget(mark.item_id)

    async def flush(self) -> None:
        """At shutdown: write the last groups of "sent" and "reported" marks."""
        self._closing = True
        if self._writing_marks is not None:
            await self._writing_marks
        await self._write_sent_marks()
        if self._marking is not None:
            await self._marking

    async def _mark_quiet_batches(self) -> None:
        while self._quietly_done:
            ids, self._quietly_done = self._quietly_done, []
            await self._repo.mark_reported(ids)

    async def _report(self, batch_id: int) -> None:
        batch = await self._repo.take_finished_batch(batch_id)
        if batch is None:
            return
        reporter = self._reporters.get(batch.kind)
        if reporter is None:
            log.error("No reporter for outbox batch kind %r", batch.kind)
            return
        delivery = reporter(batch)
        if delivery is not None:
            await self.enqueue([delivery])

    async def _call(self, item: OutboxItem) -> list[Receipt]:
        args = dict(item.payload)  # copied: a retry must find the payload untouched
        if self._convert is not None:
            args = await self._convert(args)
        markup = args.pop("reply_markup", None)
        reply_to = args.pop("reply_to", None)
        common: dict[str, Any] = {"chat_id": item.chat_id}
        if markup is not None:
            common["reply_markup"] = InlineKeyboardMarkup.model_validate(markup)
        if reply_to is not None:
            common["reply_parameters"] = ReplyParameters(
                message_id=reply_to, allow_sending_without_reply=True
            )
        if item.method is Method.REACTION:  # on a message already in the chat: nothing new is sent
            reaction = [ReactionTypeEmoji(emoji=part["emoji"]) for part in args.pop("reaction")]
            await self._bot(SetMessageReaction(chat_id=item.chat_id, reaction=reaction, **args))
            return []
        if item.method is Method.MEDIA_GROUP:
            common.pop("reply_markup", None)
            media = [_MEDIA_TYPES[part["type"]](**_without(part, "type")) for part in args.pop("media")]
            return list(await self._bot(SendMediaGroupReceipt(**common, media=media, **args)))
        return [await self._bot(_SENDS[item.method](**common, **args))]


class FairQueue:
    """One chat's due items: round-robin over senders (lanes), each lane in id order.

    A lane is served once, then goes to the back of the turn; a new lane joins at the back. With one
    item per lane (or one lane) this is plain FIFO.
    """

    __slots__ = ("_lanes", "_turn")

    def __init__(self) -> None:
        self._lanes: dict[int | None, deque[OutboxItem]] = {}
        self._turn: deque[int | None] = deque()

    def append(self, item: OutboxItem) -> None:
        lane = self._lanes.get(item.lane)
        if lane is None:
            lane = self._lanes[item.lane] = deque()
            self._turn.append(item.lane)
        lane.append(item)

    def head(self) -> OutboxItem:
        """The item whose turn it is (left in place until `pop_head`)."""
        return self._lanes[self._turn[0]][0]

    def pop_head(self) -> OutboxItem:
        key = self._turn.popleft()
        lane = self._lanes[key]
        item = lane.popleft()
        if lane:
            self._turn.append(key)
        else:
            del self._lanes[key]
        return item

    def take_all(self) -> list[OutboxItem]:
        items = [item for lane in self._lanes.values() for item in lane]
        self._lanes.clear()
        self._turn.clear()
        return items

    def __len__(self) -> int:
        return sum(map(len, self._lanes.values()))

    def __bool__(self) -> bool:
        return bool(self._turn)


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in mapping.items() if name != key}
