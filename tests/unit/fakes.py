"""Recording stand-ins for the outbox and the protocol, shared by the unit tests of services."""

from __future__ import annotations

from collections.abc import Sequence

from database.outbox import BatchSpec, Delivery
from database.protocol import ProtocolEntry


class FakeOutbox:
    """Keeps every delivery it is asked to queue, in order (no dedup: tests see repeats)."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None:
        self.sent.extend(deliveries)


class FakeProtocol:
    """Keeps every protocol line it is asked to record, in order."""

    def __init__(self) -> None:
        self.entries: list[ProtocolEntry] = []

    async def record(self, entry: ProtocolEntry) -> None:
        self.entries.append(entry)
