"""What services need from the aiogram-facing runtime, as interfaces: services never import aiogram.

runtime.outbox.Outbox is a `Deliveries`; services.protocol.Protocol is a `Recorder`. Tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from database.outbox import BatchSpec, Delivery
from database.protocol import ProtocolEntry


class Deliveries(Protocol):
    async def enqueue(self, deliveries: Sequence[Delivery], batch: BatchSpec | None = None) -> None: ...


class Recorder(Protocol):
    async def record(self, entry: ProtocolEntry) -> None: ...
