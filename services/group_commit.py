"""Group commit: marks made while one write runs go together in the next one (no aiogram here).

The bot writes many small marks (an update handled, a delivery sent, a batch reported, a protocol
line archived). One write each would queue behind each other on the database thread; instead the
first mark starts a writer task, marks added meanwhile wait for its next round, and each round
writes them all in one call. What happens when a round fails is declared per writer:

- `retry_seconds=None` (the default): the failure is logged and the group dropped. For marks whose
  loss is harmless because the work is redone from durable state (an update stays in the inbox
  and is replayed; a protocol line is appended again at the next start).
- `retry_seconds=s`: the group goes back to the front and is written again after `s` seconds, until
  `close()`; after that one more failure leaves it unwritten (at shutdown: redone at the next start).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        name: str,
        retry_seconds: float | None = None,
        gather_seconds: float = 0.0,
    ) -> None:
        """`write(group)` writes one group; `gather_seconds` waits before each round so more can join."""
        self._write = write
        self._name = name
        self._retry_seconds = retry_seconds
        self._gather_seconds = gather_seconds
        self._items: list[T] = []
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def add(self, item: T) -> None:
        self.extend((item,))

    def extend(self, items: Iterable[T]) -> None:
        self._items.extend(items)
        if self._items and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name=self._name)

    def __len__(self) -> int:
        """Items waiting for a round (not those of the round being written)."""
        return len(self._items)

    def close(self) -> None:
        """Shutdown: stop retrying; a failed group is left unwritten."""
        self._closed = True

    async def flush(self) -> None:
        """Wait until everything added so far has been written (after `close()`: tried once more)."""
        if self._items and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run(), name=self._name)
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._items:
            if self._gather_seconds:
                await asyncio.sleep(self._gather_seconds)
            group, self._items = self._items, []
            try:
                await self._write(group)
            except Exception:
                log.exception("%s: could not write a group of %d", self._name, len(group))
                if self._retry_seconds is None:
                    continue
                self._items = group + self._items
                if self._closed:
                    return
                await asyncio.sleep(self._retry_seconds)
