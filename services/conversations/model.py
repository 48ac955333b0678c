"""What conversations speak in: the domain errors handlers turn into Russian answers, and plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from database.orders import Order
from database.users import User

# --- domain exceptions: handlers turn them into Russian answers ------------------------------


class RelayError(Exception):
    """An employee's message cannot reach a client."""


class NoOrderChosen(RelayError):
    pass


class OrderClosed(RelayError):
    def __init__(self, order: Order) -> None:
        super().__init__(order.number)
        self.order = order


class ClientNotConnected(RelayError):
    def __init__(self, order: Order) -> None:
        super().__init__(order.number)
        self.order = order


class NotInChat(RelayError):
    """The employee has an order but is not in its chat (browsing /order, a search...): a typed
    text is not meant for the client unless they say so."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.number)
        self.order = order


# --- plain data -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message a person sent to the bot: text, or a file (by Telegram file_id) with a caption."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | video | document
    text: str  # the text or the caption ("" when none)
    file_id: str | None = None
    file_name: str | None = None  # a document's or video's own name, for the protocol

    @property
    def key(self) -> str:
        return f"{self.chat_id}:{self.message_id}"


@dataclass(frozen=True, slots=True)
class RelayTarget:
    order: Order
    clients: list[User]


class RouteKind(Enum):
    STAFF = "staff"  # the employee who last wrote, about an open order
    OUTSIDE = "outside"  # about a closed order or no order: the admins
    CARE = "care"  # the last exchange was with customer care
    NOBODY = "nobody"  # nobody to answer: offer customer care


@dataclass(frozen=True, slots=True)
class ClientRoute:
    kind: RouteKind
    recipients: list[User]
    order: Order | None = None  # what the last contact was about (open for STAFF)

    @property
    def open_order(self) -> Order | None:
        return self.order if self.order is not None and self.order.is_open else None
