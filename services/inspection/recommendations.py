"""Recommendations the owner approves or declines, and the owner's list of open orders.

Staff create one (what, why, linked 🟡/🔴 photos of the order, price); each connected owner of the
order gets the photos and a card with "✅ Согласовать" / "❌ Отказаться" through the outbox. The decision
is stored by one conditional UPDATE, so a double tap or a replayed update decides once; what follows a
decision (the protocol line, the notices to the author and the admins) carries keys derived from the
recommendation, so repeating it queues nothing twice. No aiogram here: buttons come through
`DecisionButtons`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import texts
from config import Settings
from database.marks import MarkedMedia, MarkRepo
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.protocol import ProtocolEntry
from database.recommendations import Recommendation, RecommendationRepo, Totals
from database.users import Level, User, UserRepo
from services.delivery import MAX_GROUP, OutgoingFile, build_deliveries
from services.inspection.access import owns
from services.inspection.prices import format_price
from services.ports import Deliveries, Recorder
from services.telegram_text import MESSAGE_LIMIT, plain_length

log = logging.getLogger(__name__)

TEXT_LIMIT = 300  # characters of a title or a reason
LINKABLE_MARKS = ("soon", "now")
APPROVED, DECLINED = "approved", "declined"


class DecisionButtons(Protocol):
    def decision(self, rec_id: int) -> dict[str, Any]: ...  # the card's inline keyboard, as JSON


@dataclass(frozen=True, slots=True)
class Card:
    """What the owner sees of a recommendation: its photos (kind, file_id), then the card text."""

    rec: Recommendation
    text: str
    media: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Decided:
    rec: Recommendation  # as stored: the decision that counts (this tap's or an earlier one)
    order: Order
    first: bool  # this tap decided; False: it had been decided before
    line: str  # the card's decision line (HTML)


class Refused(StrEnum):
    NOT_FOUND = "not_found"
    NOT_YOURS = "not_yours"  # another owner's order (a forged button)
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class OwnerOrder:
    order: Order
    status: str  # the label of the current status
    waiting: int  # recommendations waiting for the owner's decision


def fit_list(head: str, lines: Sequence[str]) -> str:
    """The head and as many of the newest (last) lines as one message holds; the older ones are
    counted in one line under the head (30 titles of 300 characters are three messages' worth)."""
    kept: list[str] = []
    for index in range(len(lines) - 1, -1, -1):
        left = index  # lines older than this one
        candidate = [head, *([texts.rec_list_more(left)] if left else []), lines[index], *kept]
        if plain_length("\n".join(candidate)) > MESSAGE_LIMIT:
            return "\n".join([head, texts.rec_list_more(index + 1), *kept])
        kept.insert(0, lines[index])
    return "\n".join([head, *kept])


def when(at: float) -> str:
    return time.strftime("%d.%m.%Y %H:%M", time.localtime(at))


class Recommendations:
    def __init__(
        self,
        *,
        settings: Settings,
        recs: RecommendationRepo,
        marks: MarkRepo,
        orders: OrderRepo,
        users: UserRepo,
        outbox: Deliveries,
        protocol: Recorder,
        buttons: DecisionButtons,
    ) -> None:
        self._settings = settings
        self._recs = recs
        self._marks = marks
        self._orders = orders
        self._users = users
        self._outbox = outbox
        self._protocol = protocol
        self._buttons = buttons

    async def open_order(self, order_id: int) -> Order | None:
        order = await self._orders.get(order_id)
        return order if order is not None and order.is_open else None

    async def linkable(self, order_id: int) -> list[MarkedMedia]:
        """The order's 🟡/🔴 photos a recommendation may show."""
        return await self._marks.marked_in_order(order_id, LINKABLE_MARKS)

    async def totals(self, order_id: int) -> tuple[Totals, list[Recommendation]]:
        return await self._recs.totals(order_id), await self._recs.for_order(order_id)

    async def create(
        self, staff: User, order: Order, title: str, reason: str, price: int, media_ids: Sequence[int]
    ) -> tuple[Recommendation, int]:
        """Store it, write the protocol, send its card to the order's owners; (it, how many owners)."""
        allowed = {item.media_id for item in await self.linkable(order.id)}
        linked = [media_id for media_id in media_ids if media_id in allowed][:MAX_GROUP]
        rec = await self._recs.create(
            order.id, title[:TEXT_LIMIT], reason[:TEXT_LIMIT], price, staff.telegram_id, linked
        )
        await self._protocol.record(
            ProtocolEntry.in_order(
                staff,
                order,
                recipient=texts.REC_PROTOCOL_RECIPIENT,
                kind="recommendation",
                text=texts.rec_protocol(rec.title, format_price(rec.price)),
                dedup_key=f"rec-created:{rec.id}",
            )
        )
        owners = await self._users.active_clients_with_phone(order.phone) if order.phone else []
        card = await self.card(rec, order)
        deliveries: list[Delivery] = []
        for owner in owners:
            deliveries += self._card_deliveries(card, owner.telegram_id, f"rec:{staff.telegram_id}")
        await self._outbox.enqueue(deliveries)
        log.info("Recommendation %s for order %s sent to %d owner(s)", rec.id, order.number, len(owners))
        return rec, len(owners)

    async def card(self, rec: Recommendation, order: Order) -> Card:
        media = await self._recs.media_of(rec.id)
        price = format_price(rec.price)
        text = texts.rec_card(order.number, order.plate, rec.title, rec.reason, price, len(media))
        if rec.decision is not None:
            text += "\n\n" + await self.decision_line(rec)
        return Card(rec, text, media)

    def _card_deliveries(self, card: Card, client_id: int, prefix: str) -> list[Delivery]:
        files = [OutgoingFile(i, kind, file_id, "") for i, (kind, file_id) in enumerate(card.media)]
        key = f"{prefix}:{client_id}:{card.rec.id}"
        out = [delivery for delivery, _ in build_deliveries(client_id, files, "", f"{key}:media")]
        payload: dict[str, Any] = {"text": card.text}
        if card.rec.decision is None:
            payload["reply_markup"] = self._buttons.decision(card.rec.id)
        out.append(Delivery(client_id, Method.MESSAGE, payload, f"{key}:card"))
        return out

    async def pending_cards(self, client: User, order_id: int) -> list[Card] | Refused:
        """The cards of an owner's order still waiting for a decision (to show them again)."""
        order = await self._orders.get(order_id)
        if order is None:
            return Refused.NOT_FOUND
        if not owns(client, order):
            return Refused.NOT_YOURS
        if not order.is_open:  # an old "Мои заказы" button: its cards could no longer be decided
            return Refused.CLOSED
        recs = [rec for rec in await self._recs.for_order(order.id) if rec.decision is None]
        return [await self.card(rec, order) for rec in recs]

    async def decide(self, client: User, rec_id: int, approve: bool) -> Decided | Refused:
        """The owner's tap: decided once, whatever taps or replays follow."""
        rec = await self._recs.get(rec_id)
        order = await self._orders.get(rec.order_id) if rec else None
        if rec is None or order is None:
            return Refused.NOT_FOUND
        if not owns(client, order):
            log.warning("Client %s tapped a decision on order %s: not theirs", client.telegram_id, order.id)
            return Refused.NOT_YOURS
        if rec.decision is None and not order.is_open:
            return Refused.CLOSED
        first = await self._recs.decide(rec.id, APPROVED if approve else DECLINED, client.telegram_id)
        rec = await self._recs.get(rec.id)
        assert rec is not None and rec.decision is not None  # rows are never deleted
        if rec.decided_by == client.telegram_id:  # also after a crash between the UPDATE and the notices
            await self._announce(client, order, rec)
        return Decided(rec, order, first, await self.decision_line(rec))

    async def decision_line(self, rec: Recommendation) -> str:
        assert rec.decision is not None and rec.decided_at is not None
        who = await self._users.get(rec.decided_by or 0)
        price = format_price(rec.decided_price if rec.decided_price is not None else rec.price)
        return texts.rec_decided_line(
            rec.decision, who.display_name if who else "", when(rec.decided_at), price
        )

    async def _announce(self, client: User, order: Order, rec: Recommendation) -> None:
        """The protocol line and the notices to the author and the admins (keyed: queued once)."""
        assert rec.decision is not None
        price = format_price(rec.decided_price if rec.decided_price is not None else rec.price)
        await self._protocol.record(
            ProtocolEntry.in_order(
                client,
                order,
                recipient=texts.REC_DECISION_RECIPIENT,
                kind="decision",
                text=texts.rec_decision_protocol(rec.decision, rec.title, price),
                dedup_key=f"rec-decision:{rec.id}",
            )
        )
        staff = {rec.created_by} | {
            admin.telegram_id for admin in await self._users.active_with_level(Level.ADMIN)
        }
        text = texts.rec_staff_notice(rec.decision, order.number, rec.title, price, client.display_name)
        await self._outbox.enqueue(
            [
                Delivery(
                    chat_id,
                    Method.MESSAGE,
                    {"text": text},
                    f"rec-decision:{client.telegram_id}:{rec.id}:{chat_id}",
                )
                for chat_id in sorted(staff)
            ]
        )

    async def owner_orders(self, client: User) -> list[OwnerOrder]:
        """The client's open orders (by their phone) with the current status and waiting count."""
        if client.level is not Level.CLIENT or not client.phone:
            return []
        orders = [order for order in await self._orders.open_for_phone(client.phone) if owns(client, order)]
        ids = [order.id for order in orders]
        statuses = await self._recs.current_statuses(ids)
        waiting = await self._recs.waiting_counts(ids)
        labels = self._settings.order_statuses
        return [
            OwnerOrder(
                order, labels.get(statuses.get(order.id, ""), texts.STATUS_NOT_SET), waiting.get(order.id, 0)
            )
            for order in orders
        ]
