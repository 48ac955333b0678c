"""Conversations between clients and the dealer's people; see service.py. The names the rest of the
bot imports are re-exported here."""

from services.conversations.care_queue import CareQueue, Closed, Taken
from services.conversations.deliveries import (
    CARE_RECIPIENT,
    DELIVERED_REACTION,
    PERSONAL_KEYS,
    RELAY_KIND,
    album_deliveries,
    compose,
    incoming_deliveries,
    message_deliveries,
    origin_key,
    protocol_text,
    relay_receipt,
    relay_report,
    staff_display_name,
)
from services.conversations.model import (
    ClientNotConnected,
    ClientRoute,
    Incoming,
    NoOrderChosen,
    NotInChat,
    OrderClosed,
    RelayError,
    RelayTarget,
    RouteKind,
)
from services.conversations.routing import ClientRouter, bound
from services.conversations.service import Conversations

__all__ = [
    "CARE_RECIPIENT",
    "DELIVERED_REACTION",
    "PERSONAL_KEYS",
    "RELAY_KIND",
    "CareQueue",
    "ClientNotConnected",
    "ClientRoute",
    "ClientRouter",
    "Closed",
    "Conversations",
    "Incoming",
    "NoOrderChosen",
    "NotInChat",
    "OrderClosed",
    "RelayError",
    "RelayTarget",
    "RouteKind",
    "Taken",
    "album_deliveries",
    "bound",
    "compose",
    "incoming_deliveries",
    "message_deliveries",
    "origin_key",
    "protocol_text",
    "relay_receipt",
    "relay_report",
    "staff_display_name",
]
