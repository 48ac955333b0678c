"""Conversations: employee → client, client → staff, customer care, attention words.

No aiogram here: handlers pass plain data (texts, file ids, inline markups as dicts) and this
service decides who receives what, queues it in the delivery outbox, writes the protocol and
remembers who last wrote to each client. Everything is idempotent by the incoming message's
ids, so an update replayed after a crash queues nothing twice. Where a client's message goes is
ClientRouter's (routing.py); what is queued and written, deliveries.py's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import texts
from database.orders import Order, OrderRepo
from database.outbox import BatchSpec, Delivery, Method
from database.routing import RoutingRepo
from database.users import Level, User, UserRepo
from database.work import WorkRepo
from services.attention import AttentionWords
from services.conversations.deliveries import (
    CARE_RECIPIENT,
    PERSONAL_KEYS,
    RELAY_KIND,
    client_deliveries,
    compose,
    from_client_entry,
    incoming_deliveries,
    message_deliveries,
    origin_key,
    relay_receipt,
    staff_display_name,
    to_client_entry,
    who,
)
from services.conversations.model import (
    ClientNotConnected,
    ClientRoute,
    Incoming,
    NoOrderChosen,
    NotInChat,
    OrderClosed,
    RelayTarget,
    RouteKind,
)
from services.conversations.routing import ClientRouter, route_header, route_recipient
from services.ports import Deliveries, Recorder


class Conversations:
    def __init__(
        self,
        users: UserRepo,
        orders: OrderRepo,
        work: WorkRepo,
        protocol: Recorder,
        outbox: Deliveries,
        attention: AttentionWords,
        organization: str,
        routing: RoutingRepo,
    ) -> None:
        self._routing = routing
        self._users = users
        self._orders = orders
        self._work = work
        self._protocol = protocol
        self._outbox = outbox
        self._attention = attention
        self._organization = organization
        self._router = ClientRouter(users, orders, work, routing)
        self._name_hint_given: set[int] = set()

    # --- employee -> client ---------------------------------------------------------------

    async def relay_target(self, staff: User) -> RelayTarget:
        """The open order whose chat the employee is in and its connected clients; raise RelayError."""
        found = await self._work.chat_target(staff.telegram_id)
        order, clients = found.order, found.clients
        if order is None:
            raise NoOrderChosen()
        if not order.is_open:
            raise OrderClosed(order)
        if not found.chatting:
            raise NotInChat(order)
        if not clients:
            raise ClientNotConnected(order)
        return RelayTarget(order, clients)

    async def hint_order(self, staff: User) -> Order | None:
        """The open order a staff member's stray text may be meant for (its chat entered or not) when
        its client is connected: the order of the "send it to the client after all" hint."""
        found = await self._work.chat_target(staff.telegram_id)
        if found.order is None or not found.order.is_open or not found.clients:
            return None
        return found.order

    async def relay(self, staff: User, message: Incoming) -> bool:
        """Queue the employee's text to the order's clients; True when a "set your name" hint is due."""
        target = await self.relay_target(staff)
        order, clients = target.order, target.clients
        key = f"rl:{message.key}"
        header = texts.staff_message_header(staff_display_name(staff), self._organization)
        chunks = compose(header, message.text)
        deliveries = [
            d for client in target.clients for d in message_deliveries(client.telegram_id, chunks, None, key)
        ]
        params = {"order": order.number, "react_to": message.message_id}
        receipt = relay_receipt(message.chat_id, message.message_id)
        batch = BatchSpec(
            RELAY_KIND, staff.telegram_id, params, dedup_key=key, only_problems=True, on_success=receipt
        )
        entry = to_client_entry(staff, staff_display_name(staff), clients[0], order, message, key)
        await asyncio.gather(  # each is idempotent by the message's key: a replay redoes what is missing
            self._outbox.enqueue(deliveries, batch),
            self._protocol.record(entry),
            *(self._work.remember_contact(c.telegram_id, staff.telegram_id, order.id) for c in clients),
        )
        if staff.name or staff.telegram_id in self._name_hint_given:
            return False
        self._name_hint_given.add(staff.telegram_id)
        return True

    # --- client -> staff (routing.py decides where) -------------------------------------------

    async def client_route(self, client: User, reply_to: int | None = None) -> ClientRoute:
        return await self._router.client_route(client, reply_to)

    async def client_orders(self, client: User) -> list[Order]:
        return await self._router.client_orders(client)

    async def file_order(self, client: User, route: ClientRoute) -> Order | None:
        return await self._router.file_order(client, route)

    async def care_client(self, client_id: int) -> User | None:
        return await self._router.care_client(client_id)

    async def care_client_replied(self, care_chat: int, message_id: int) -> User | None:
        return await self._router.care_client_replied(care_chat, message_id)

    async def care_recipients(self) -> list[User]:
        return await self._router.care_recipients()

    async def forward_from_client(
        self,
        client: User,
        route: ClientRoute,
        message: Incoming,
        markup: dict[str, Any] | None,
        file_path: str | None = None,
    ) -> None:
        """Send the client's message along `route` (not NOBODY) and write the protocol."""
        header = route_header(client, route)
        await self._from_client(client, route, header, "cm", [message], markup, [file_path], album=False)

    async def forward_album_from_client(
        self,
        client: User,
        route: ClientRoute,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
    ) -> None:
        """A client's album along `route` (not NOBODY), whole and as an album; a protocol line per item."""
        header = route_header(client, route)
        await self._from_client(client, route, header, "cm", items, markup, file_paths, album=True)

    async def _from_client(
        self,
        client: User,
        route: ClientRoute,
        header: str,
        prefix: str,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
        album: bool,
    ) -> None:
        """Queue a client's message or album to the route's recipients; care and the admins may
        answer it (so a care thread opens unless it went to an employee); a protocol line per item."""
        key = f"{prefix}:{items[0].key}"
        await self._outbox.enqueue(
            [
                d
                for staff in route.recipients
                for d in client_deliveries(staff.telegram_id, header, items, markup, key, album)
            ]
        )
        if route.kind is not RouteKind.STAFF:
            await self._routing.open_care_thread(client.telegram_id)
        if route.kind is RouteKind.CARE:  # waits in the care queue until answered or closed
            await self._routing.care_waiting(client.telegram_id)
        recipient = route_recipient(route)
        for item, path in zip(items, file_paths, strict=True):
            entry = from_client_entry(
                client, route.open_order, route.order, recipient, item, f"{prefix}:{item.key}", path
            )
            await self._protocol.record(entry)

    # --- attention words ------------------------------------------------------------------

    async def check_attention(self, client: User, message: Incoming, about: Order | None) -> bool:
        """If the text has an attention word, queue an alert to every active admin; True if it had."""
        word = self._attention.find(message.text)
        if word is None:
            return False
        if not self._attention.alerts.due(client.telegram_id):  # one alert per client and window
            return True
        if about is not None and about.is_open:
            numbers = about.number
        else:
            numbers = ", ".join(o.number for o in await self._orders.open_for_phone(client.phone)) or None
        admins = await self._users.active_with_level(Level.ADMIN)
        header = texts.attention_alert(word, numbers, who(client), client.phone)
        chunks = compose(header, message.text)
        key = f"aw:{message.key}"
        await self._outbox.enqueue(
            [d for admin in admins for d in message_deliveries(admin.telegram_id, chunks, None, key)]
        )
        self._attention.alerts.note(client.telegram_id)
        return True

    # --- customer care --------------------------------------------------------------------

    async def send_care_request(
        self, client: User, message: Incoming, markup: dict[str, Any] | None, file_path: str | None = None
    ) -> bool:
        """A client's request to customer care; False when nobody can take it."""
        return await self._to_care(client, [message], markup, [file_path], album=False)

    async def send_care_album(
        self,
        client: User,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
    ) -> bool:
        """A client's album for customer care, whole; False when nobody can take it."""
        return await self._to_care(client, items, markup, file_paths, album=True)

    async def _to_care(
        self,
        client: User,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
        album: bool,
    ) -> bool:
        recipients = await self.care_recipients()
        if not recipients:
            return False
        header = texts.care_request_header(who(client), client.phone)
        route = ClientRoute(RouteKind.CARE, recipients)
        await self._from_client(client, route, header, "cr", items, markup, file_paths, album)
        return True

    async def send_care_reply(self, care: User, client: User, message: Incoming) -> None:
        """Customer care (or an admin) answers a client with a text or a file (by file_id). The client's
        replies to it go back to care, and so do their other messages while no employee works with
        them on an open order."""
        key = f"ca:{message.key}"
        header = texts.care_reply_header(self._organization)
        await self._outbox.enqueue(
            incoming_deliveries(client.telegram_id, header, message, None, key),
            BatchSpec(RELAY_KIND, care.telegram_id, {"order": None}, dedup_key=key, only_problems=True),
        )
        name = f"{CARE_RECIPIENT}: {staff_display_name(care)}"
        await asyncio.gather(
            self._protocol.record(to_client_entry(care, name, client, None, message, key)),
            self._routing.care_answered(client.telegram_id, care.telegram_id),
        )

    # --- a client back after blocking the bot ---------------------------------------------

    async def deliver_blocked_texts(self, client: User) -> int:
        """Queue again the texts employees and care wrote while the client had blocked the bot, as
        files are (MediaService.deliver_backlog): one rule for every kind of message. Idempotent."""
        blocked = [
            sent
            for sent in await self._routing.blocked_texts(client.telegram_id)
            if origin_key(sent.dedup_key).startswith(PERSONAL_KEYS)
        ]
        if not blocked:
            return 0
        intro = Delivery(
            client.telegram_id,
            Method.MESSAGE,
            {"text": texts.blocked_texts_intro(len(blocked))},
            f"again-intro:{blocked[0].dedup_key}",
        )
        again = [
            Delivery(client.telegram_id, Method.MESSAGE, sent.params, f"again:{sent.dedup_key}")
            for sent in blocked
        ]
        await self._outbox.enqueue([intro, *again])
        return len(again)
