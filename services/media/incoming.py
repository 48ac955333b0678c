"""What an employee's message brings in, and what filing it can answer: no aiogram here, the handler
turns messages into `IncomingFile`s and passes a `Fetch` coroutine that gets the bytes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from database.media import media_key
from database.orders import Order
from services.media.store import media_file_name, safe_file_name


class Problem(StrEnum):
    """Why nothing could be filed; the handler answers with the matching text."""

    NO_ORDER = "no_order"
    NO_TYPE = "no_type"
    ORDER_CLOSED = "order_closed"


UNASSIGNED_HOLD_SECONDS = 3 * 3600  # files sent before any order wait this long for the next stage tapped


@dataclass(frozen=True, slots=True)
class Held:
    """Files kept until a stage of `order` is tapped; `order` None: sent before an order was chosen,
    they go with the next stage tapped (within UNASSIGNED_HOLD_SECONDS)."""

    order: Order | None
    count: int


@dataclass(frozen=True, slots=True)
class IncomingFile:
    chat_id: int
    message_id: int
    kind: str  # photo | video | document
    file_id: str
    file_size: int | None
    file_name: str | None  # a document's own name; None for photos and videos
    extension: str  # for photos/videos: jpg, mp4...
    caption: str
    media_group_id: str | None
    sent_at: datetime

    @property
    def key(self) -> str:
        return media_key(self.chat_id, self.message_id)

    def target_name(self) -> str:
        if self.kind == "document":
            return safe_file_name(self.file_name, fallback=f"document_{self.message_id}")
        return media_file_name(self.sent_at, self.message_id, self.extension)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "sent_at": self.sent_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncomingFile:
        return cls(**{**data, "sent_at": datetime.fromisoformat(data["sent_at"])})


Fetch = Callable[[IncomingFile, Path], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WorkTarget:
    order: Order
    type_label: str
    subfolder: str


def incoming_units(files: Sequence[IncomingFile]) -> list[list[IncomingFile]]:
    """Consecutive files of one message or one album, as they were sent."""
    units: list[list[IncomingFile]] = []
    for item in files:
        last = units[-1][-1] if units else None
        if last is not None and item.media_group_id and item.media_group_id == last.media_group_id:
            units[-1].append(item)
        else:
            units.append([item])
    return units
