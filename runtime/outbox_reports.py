"""Outbox batches: once every delivery of a batch is done, its reporter tells the person who caused it.

A batch whose reporter speaks only of problems (`BatchSpec.only_problems`) and was made by this run
is counted in memory: when all of it went out the database is not even asked, its "reported" mark
goes in a group and its `on_success` delivery is queued (a reaction is sent without a row of its own,
and the mark waits until it is out). Any other batch, or one with a problem, is
read back (`take_finished_batch`, which marks it reported) and handed to its reporter.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from database.outbox import Batch, BatchSpec, Delivery, Method, OutboxRepo, Status
from services.group_commit import GroupCommit

log = logging.getLogger(__name__)

Reporter = Callable[[Batch], Delivery | None]
Enqueue = Callable[[Sequence[Delivery]], Awaitable[None]]
Finished = Callable[[int, bool], Awaitable[None]]  # batch id, every item delivered
# Sends a reaction without an outbox row; calls back once it is out, refused, or stored after all.
Receipt = Callable[[Delivery, Callable[[], None]], Awaitable[None]]


class BatchReports:
    def __init__(
        self,
        repo: OutboxRepo,
        enqueue: Enqueue,
        finished: Finished | None = None,
        receipt: Receipt | None = None,
    ) -> None:
        self._repo = repo
        self._enqueue = enqueue
        self._finished = finished
        self._receipt = receipt
        self._reporters: dict[str, Reporter] = {}
        self._quiet: dict[int, int] = {}  # quiet batch id -> items left
        self._on_success: dict[int, Delivery] = {}  # quiet batch id -> its BatchSpec.on_success
        # A lost "reported" mark is harmless: the batch is reported again after a restart, and its
        # reporter's delivery carries the same dedup key.
        self._reported = GroupCommit(repo.mark_reported, name="outbox-marks")

    def add_reporter(self, kind: str, reporter: Reporter) -> None:
        self._reporters[kind] = reporter

    def track(self, batch_id: int, batch: BatchSpec, added: int) -> None:
        """Count a quiet batch's new items (others are read back from the database when done)."""
        if batch.only_problems and added:
            self._quiet[batch_id] = self._quiet.get(batch_id, 0) + added
            if batch.on_success is not None:
                self._on_success[batch_id] = batch.on_success

    def is_quiet(self, batch_id: int) -> bool:
        return batch_id in self._quiet

    async def item_done(self, batch_id: int, delivered: bool) -> None:
        """One item of the batch is done; `delivered` False means the reporter must hear of it."""
        left = self._quiet.get(batch_id)
        if left is None or not delivered:
            self._quiet.pop(batch_id, None)  # a problem: the reporter must hear of it
            self._on_success.pop(batch_id, None)
            await self.report(batch_id)
        elif left > 1:
            self._quiet[batch_id] = left - 1
        else:
            del self._quiet[batch_id]
            success = self._on_success.pop(batch_id, None)
            if success is not None and success.method is Method.REACTION and self._receipt is not None:
                # Setting a reaction twice changes nothing: it needs no row of its own. Until it is
                # out the batch stays unreported, and after a crash its report queues it again.
                await self._receipt(success, lambda: self._reported.add(batch_id))
            else:
                self._reported.add(batch_id)
                if success is not None:
                    await self._enqueue([success])
            if self._finished is not None:
                await self._finished(batch_id, True)

    async def report(self, batch_id: int) -> None:
        batch = await self._repo.take_finished_batch(batch_id)
        if batch is None:
            return
        if self._finished is not None:
            await self._finished(batch.id, all(o.status is Status.SENT for o in batch.outcomes))
        reporter = self._reporters.get(batch.kind)
        if reporter is None:
            log.error("No reporter for outbox batch kind %r", batch.kind)
            return
        delivery = reporter(batch)
        if delivery is not None:
            await self._enqueue([delivery])

    async def flush(self) -> None:
        await self._reported.flush()
