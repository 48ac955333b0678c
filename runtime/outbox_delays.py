"""A batch that is slow to go out: its reporter chat hears "⏳ доставка задерживается" once, and that
same message is edited to "✅ доставлено" when the batch is done (nothing piles up).

A batch with someone to report to is timed from when it was queued. `check` (called every
`TICK_SECONDS` while the outbox runs, and by tests with their own clock) queues the notice for each
batch still open after `after` seconds; `finished` queues the edit of a notice already queued. Both go
through the outbox like everything else: the notice behind a retry in the employee's chat waits its
turn, and the edit, keyed to the notice, comes after it. The timers live in memory: after a restart the
batch's own report still comes, only without the notice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import texts
from database.outbox import BatchSpec, Delivery, Method

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
EDIT_OF = "edit_of"  # payload key of an edit: the dedup key of the outbox row whose message it edits

Enqueue = Callable[[Sequence[Delivery]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Timed:
    started: float
    chat_id: int
    reply_to: int | None


class SlowBatches:
    def __init__(self, enqueue: Enqueue, after: float, clock: Callable[[], float]) -> None:
        self._enqueue = enqueue
        self._after = after
        self._clock = clock
        self._timed: dict[int, _Timed] = {}  # batch id -> when it was queued, whom to tell
        self._noticed: dict[int, _Timed] = {}  # batch id -> a notice was queued for it

    def start(self, batch_id: int, batch: BatchSpec) -> None:
        if batch.report_to is None or batch_id in self._timed or batch_id in self._noticed:
            return
        reply_to = batch.params.get("reply_to") or batch.params.get("react_to")
        self._timed[batch_id] = _Timed(self._clock(), batch.report_to, int(reply_to) if reply_to else None)

    async def check(self) -> None:
        """Queue the notice of every batch waiting longer than `after`."""
        now = self._clock()
        late = [batch_id for batch_id, timed in self._timed.items() if now - timed.started >= self._after]
        for batch_id in late:
            timed = self._timed.pop(batch_id)
            self._noticed[batch_id] = timed
            payload: dict[str, object] = {"text": texts.DELIVERY_SLOW}
            if timed.reply_to is not None:
                payload["reply_to"] = timed.reply_to
            log.info("Outbox batch %s still going after %.0f s: the sender is told", batch_id, self._after)
            await self._enqueue(
                [Delivery(timed.chat_id, Method.MESSAGE, payload, _notice_key(batch_id, timed))]
            )

    async def finished(self, batch_id: int, delivered: bool) -> None:
        """The batch is done; its notice, if one was queued, says how it ended."""
        self._timed.pop(batch_id, None)
        timed = self._noticed.pop(batch_id, None)
        if timed is None:
            return
        text = texts.DELIVERY_DONE if delivered else texts.DELIVERY_NOT_ALL
        payload = {"text": text, EDIT_OF: _notice_key(batch_id, timed)}
        key = f"slow-done:{timed.chat_id}:{batch_id}"
        await self._enqueue([Delivery(timed.chat_id, Method.EDIT_TEXT, payload, key)])

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("Slow delivery check failed")
            await asyncio.sleep(TICK_SECONDS)


def _notice_key(batch_id: int, timed: _Timed) -> str:
    # `<kind>:<chat>:...`: the edit rides the same lane of the chat as the notice, so it comes after it
    return f"slow:{timed.chat_id}:{batch_id}"
