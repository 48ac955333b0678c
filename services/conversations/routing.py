"""Where a client's message goes (client → staff, care or the admins), and the header it goes under."""

from __future__ import annotations

import texts
from database.orders import Order, OrderRepo
from database.routing import RoutingRepo, SentMessage
from database.users import CARE_LEVELS, STAFF_LEVELS, Level, User, UserRepo
from database.work import ClientContact, WorkRepo
from services.conversations.deliveries import CARE_RECIPIENT, staff_display_name, who
from services.conversations.model import ClientRoute, RouteKind


def bound(client: User, order: Order) -> bool:
    """Whether `order` is the client's now: open, and its content.txt names the client's current phone."""
    return order.is_open and bool(order.phone) and order.phone == client.phone


def _works(user: User | None, levels: frozenset[Level]) -> bool:
    return user is not None and user.is_active and user.level in levels


def route_header(client: User, route: ClientRoute) -> str:
    if route.kind is RouteKind.STAFF:
        assert route.order is not None
        return texts.client_reply_header(who(client), client.phone, route.order.number)
    if route.kind is RouteKind.CARE:
        return texts.care_message_header(who(client), client.phone)
    number = route.order.number if route.order is not None else None
    return texts.outside_order_header(who(client), client.phone, number)


def route_recipient(route: ClientRoute) -> str:
    if route.kind is RouteKind.STAFF:
        return staff_display_name(route.recipients[0])
    if route.kind is RouteKind.CARE:
        return CARE_RECIPIENT
    return "администраторы"


class ClientRouter:
    def __init__(self, users: UserRepo, orders: OrderRepo, work: WorkRepo, routing: RoutingRepo) -> None:
        self._users = users
        self._orders = orders
        self._work = work
        self._routing = routing

    async def client_route(self, client: User, reply_to: int | None = None) -> ClientRoute:
        """Where a client's message goes, in this order:

        1. a reply to a bot message goes to whoever sent that message (an employee about an order
           still theirs, or customer care);
        2. the employee who last wrote about an open order that is still the client's;
        3. customer care, once care has answered the client;
        4. the admins, about an order that is closed or no longer the client's;
        5. nobody: the client is offered customer care.
        The binding to an order is checked against the current order index on every message.
        """
        if reply_to is not None:
            replied = await self._reply_route(client, reply_to)
            if replied is not None:
                return replied
        contact = await self._work.last_contact(client.telegram_id)
        if contact is not None and not contact.via_care and contact.order_id is not None:
            order = await self._orders.get(contact.order_id)
            if order is not None and bound(client, order):
                staff = await self._users.get(contact.staff_id)
                if _works(staff, STAFF_LEVELS):
                    assert staff is not None
                    return ClientRoute(RouteKind.STAFF, [staff], order)
                return ClientRoute(RouteKind.NOBODY, [], order)
        care = await self._care_route(client, contact)
        if care is not None:
            return care
        if contact is not None and not contact.via_care:
            order = await self._orders.get(contact.order_id) if contact.order_id is not None else None
            if order is not None and order.is_open:  # open, but no longer the client's: not named
                order = None
            admins = await self._users.active_with_level(Level.ADMIN)
            return ClientRoute(RouteKind.OUTSIDE if admins else RouteKind.NOBODY, admins, order)
        return ClientRoute(RouteKind.NOBODY, [])

    async def care_recipients(self) -> list[User]:
        """Active customer-care users; the admins when there are none."""
        care = await self._users.active_with_level(Level.CARE)
        return care or await self._users.active_with_level(Level.ADMIN)

    async def client_orders(self, client: User) -> list[Order]:
        """The client's open orders by their phone now, the most recent first."""
        return await self._orders.open_for_phone(client.phone) if client.phone else []

    async def file_order(self, client: User, route: ClientRoute) -> Order | None:
        """The open order a client's file is kept in, whoever they talk to: the order of the
        conversation when it is still theirs, else their most recent open order."""
        if route.open_order is not None and bound(client, route.open_order):
            return route.open_order
        orders = await self.client_orders(client)
        return orders[0] if orders else None

    async def care_client_replied(self, care_chat: int, message_id: int) -> User | None:
        """The client whose message to care (a request, a later message, a reminder about it) is bot
        message `message_id` in this care chat: an agent answers by replying to it, no button."""
        sent = await self._routing.sent_message(care_chat, message_id)
        parts = sent.dedup_key.split(":") if sent is not None else []
        while parts and parts[0] == "again":
            parts = parts[1:]
        if len(parts) < 2 or parts[0] not in ("cr", "cm", "care-remind") or not parts[1].isdigit():
            return None
        return await self.care_client(int(parts[1]))

    async def care_client(self, client_id: int) -> User | None:
        """The client care may answer: an active client who wrote to care (or to the admins)."""
        client = await self._users.get(client_id)
        if client is None or not client.is_active or client.level is not Level.CLIENT:
            return None
        if await self._routing.care_thread(client_id) is not None:
            return client
        contact = await self._work.last_contact(client_id)
        return client if contact is not None and contact.via_care else None

    # --- inside -------------------------------------------------------------------------------

    async def _care_route(self, client: User, contact: ClientContact | None) -> ClientRoute | None:
        thread = await self._routing.care_thread(client.telegram_id)
        care_id = thread.care_id if thread is not None else None
        if care_id is None and contact is not None and contact.via_care:  # rows from before care_threads
            care_id = contact.staff_id
        if care_id is None:
            return None
        return await self._to_care(care_id)

    async def _to_care(self, care_id: int) -> ClientRoute | None:
        """To the care user who answered, or (gone since) to whoever does care now."""
        care = await self._users.get(care_id)
        if _works(care, CARE_LEVELS):
            assert care is not None
            return ClientRoute(RouteKind.CARE, [care])
        recipients = await self.care_recipients()
        return ClientRoute(RouteKind.CARE, recipients) if recipients else None

    async def _reply_route(self, client: User, message_id: int) -> ClientRoute | None:
        """The route back to the sender of bot message `message_id`; None when unknown or no longer valid."""
        sent = await self._routing.sent_message(client.telegram_id, message_id)
        origin = await self._origin(sent) if sent is not None else None
        if origin is None:
            return None
        sender_id, order, via_care = origin
        if via_care:
            return await self._to_care(sender_id)
        staff = await self._users.get(sender_id)
        if order is None or not bound(client, order) or not _works(staff, STAFF_LEVELS):
            return None
        assert staff is not None
        return ClientRoute(RouteKind.STAFF, [staff], order)

    async def _origin(self, sent: SentMessage) -> tuple[int, Order | None, bool] | None:
        """Who sent a delivered message, read from its outbox key (see Conversations.relay and
        send_care_reply, services.media): (sender id, the order it was about, whether it came from care)."""
        parts = sent.dedup_key.split(":")
        while parts and parts[0] == "again":  # texts delivered again after a block keep their origin
            parts = parts[1:]
        if len(parts) < 3 or not parts[1].lstrip("-").isdigit():
            return None
        kind, sender = parts[0], int(parts[1])
        if kind == "ca":
            return sender, None, True
        if kind in ("rl", "media"):
            number = sent.params.get("order")
            order = await self._orders.get_by_number(str(number)) if number else None
            return sender, order, False
        if kind == "backlog":
            first = parts[-1].split(".")[0]
            media = await self._routing.media_origin(int(first)) if first.isdigit() else None
            if media is None:
                return None
            return media.employee_id, await self._orders.get(media.order_id), False
        return None
