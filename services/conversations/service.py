"""Conversations: employee → client, client → staff, customer care, attention words.

No aiogram here: handlers pass plain data (texts, file ids, inline markups as dicts) and this
service decides who receives what, queues it in the delivery outbox, writes the protocol and
remembers who last wrote to each client. Everything is idempotent by the incoming message's
ids, so an update replayed after a crash queues nothing twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Any

import texts
from database.orders import Order, OrderRepo
from database.outbox import Batch, BatchSpec, Delivery, Method, Status
from database.protocol import ProtocolEntry
from database.routing import RoutingRepo, SentMessage
from database.users import CARE_LEVELS, STAFF_LEVELS, Level, User, UserRepo
from database.work import ClientContact, WorkRepo
from services.attention import AttentionWords
from services.delivery import OutgoingFile, build_deliveries
from services.ports import Deliveries, Recorder
from services.telegram_text import CAPTION_LIMIT, MESSAGE_LIMIT, plain_length, split_text

RELAY_KIND = "relay"
DELIVERED_REACTION = "👍"  # on the employee's message once every client got it (an allowed reaction)
CARE_RECIPIENT = "служба заботы"
_MEDIA_METHODS = {"photo": Method.PHOTO, "video": Method.VIDEO, "document": Method.DOCUMENT}
_KIND_LABELS = {"photo": "фото", "video": "видео", "document": "документ"}


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


# --- message composition ----------------------------------------------------------------------


def compose(header: str, text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Header (HTML) + escaped user text, split into messages Telegram accepts."""
    if not text:
        return [header]
    room = limit - plain_length(header) - 1
    parts = split_text(text, room, limit)
    return [f"{header}\n{texts.esc(parts[0])}", *(texts.esc(part) for part in parts[1:])]


def message_deliveries(
    chat_id: int, chunks: list[str], markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """One delivery per chunk; the buttons go under the last one."""
    result = []
    for index, chunk in enumerate(chunks):
        payload: dict[str, Any] = {"text": chunk}
        if markup is not None and index == len(chunks) - 1:
            payload["reply_markup"] = markup
        result.append(Delivery(chat_id, Method.MESSAGE, payload, dedup_key=f"{key}:{chat_id}:{index}"))
    return result


def incoming_deliveries(
    chat_id: int, header: str, message: Incoming, markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """A text or a file (re-sent by file_id) under `header`; a caption too long goes as text after it."""
    if message.kind == "text" or message.file_id is None:
        return message_deliveries(chat_id, compose(header, message.text), markup, key)
    caption = f"{header}\n{texts.esc(message.text)}" if message.text else header
    tail: list[str] = []
    if plain_length(caption) > CAPTION_LIMIT:
        caption, tail = header, compose("", message.text)
        tail = [chunk.lstrip("\n") for chunk in tail]
    payload: dict[str, Any] = {message.kind: message.file_id, "caption": caption}
    if markup is not None:
        payload["reply_markup"] = markup
    media = Delivery(chat_id, _MEDIA_METHODS[message.kind], payload, dedup_key=f"{key}:{chat_id}:f")
    return [media, *message_deliveries(chat_id, tail, None, f"{key}:t")] if tail else [media]


def album_deliveries(
    chat_id: int, header: str, items: list[Incoming], markup: dict[str, Any] | None, key: str
) -> list[Delivery]:
    """A client's album re-sent whole by file_id (as albums of up to 10, documents apart), the header
    on its first item; an album cannot carry buttons, so they follow in a short note."""
    files = [
        OutgoingFile(index, item.kind, item.file_id, item.text)
        for index, item in enumerate(items)
        if item.file_id is not None
    ]
    out = [delivery for delivery, _ in build_deliveries(chat_id, files, header, f"{key}:{chat_id}:a")]
    if markup is not None:
        payload = {"text": texts.client_album_note(len(files)), "reply_markup": markup}
        out.append(Delivery(chat_id, Method.MESSAGE, payload, dedup_key=f"{key}:{chat_id}:n"))
    return out


def protocol_text(message: Incoming) -> str:
    if message.kind == "text":
        return message.text
    label = f"[{_KIND_LABELS.get(message.kind, message.kind)}: {message.file_id}]"
    return f"{label} {message.text}".rstrip()


def relay_receipt(chat_id: int, message_id: int) -> Delivery:
    """The quiet "it reached the client": a 👍 reaction on the employee's own message."""
    payload = {"message_id": message_id, "reaction": [{"type": "emoji", "emoji": DELIVERED_REACTION}]}
    return Delivery(chat_id, Method.REACTION, payload, f"rl-ok:{chat_id}:{message_id}")


def relay_report(batch: Batch) -> Delivery | None:
    """Outbox reporter for kind "relay": a problem is said in words; a text that reached every client
    gets a quiet 👍 on the employee's own message (when the batch names it: params["react_to"])."""
    blocked = sum(1 for outcome in batch.outcomes if outcome.status is Status.BLOCKED)
    failed = sum(1 for outcome in batch.outcomes if outcome.status is Status.FAILED)
    if batch.report_to is None:
        return None
    if not (blocked or failed):  # a batch a restart interrupted (else the outbox sent on_success)
        react_to = batch.params.get("react_to")
        return relay_receipt(batch.report_to, int(react_to)) if react_to and batch.outcomes else None
    text = texts.relay_failed(batch.params.get("order"), blocked, failed)
    return Delivery(batch.report_to, Method.MESSAGE, {"text": text})


def staff_display_name(staff: User) -> str:
    return staff.name or staff.tg_name or staff.phone


def _who(client: User) -> str | None:
    return client.name or client.tg_name or None


def _role(user: User) -> int:
    return int(user.level)


def bound(client: User, order: Order) -> bool:
    """Whether `order` is the client's now: open, and its content.txt names the client's current phone."""
    return order.is_open and bool(order.phone) and order.phone == client.phone


def _works(user: User | None, levels: frozenset[Level]) -> bool:
    return user is not None and user.is_active and user.level in levels


def _route_header(client: User, route: ClientRoute) -> str:
    if route.kind is RouteKind.STAFF:
        assert route.order is not None
        return texts.client_reply_header(_who(client), client.phone, route.order.number)
    if route.kind is RouteKind.CARE:
        return texts.care_message_header(_who(client), client.phone)
    number = route.order.number if route.order is not None else None
    return texts.outside_order_header(_who(client), client.phone, number)


def _route_recipient(route: ClientRoute) -> str:
    if route.kind is RouteKind.STAFF:
        return staff_display_name(route.recipients[0])
    if route.kind is RouteKind.CARE:
        return CARE_RECIPIENT
    return "администраторы"


# --- the service ------------------------------------------------------------------------------


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
        await self._outbox.enqueue(deliveries, batch)
        entry = ProtocolEntry(
            order_id=order.id,
            order_number=order.number,
            sender_id=staff.telegram_id,
            sender_role=_role(staff),
            sender_name=staff_display_name(staff),
            recipient=f"клиент {target.clients[0].phone}",
            kind="text",
            text=message.text,
            dedup_key=key,
        )
        await asyncio.gather(
            self._protocol.record(entry),
            *(self._work.remember_contact(c.telegram_id, staff.telegram_id, order.id) for c in clients),
        )
        if staff.name or staff.telegram_id in self._name_hint_given:
            return False
        self._name_hint_given.add(staff.telegram_id)
        return True

    # --- client -> staff ------------------------------------------------------------------

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
        """Who sent a delivered message, read from its outbox key (see relay, send_care_reply and
        services.media): (sender id, the order it was about, whether it came from care)."""
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

    async def care_client(self, client_id: int) -> User | None:
        """The client care may answer: an active client who wrote to care (or to the admins)."""
        client = await self._users.get(client_id)
        if client is None or not client.is_active or client.level is not Level.CLIENT:
            return None
        if await self._routing.care_thread(client_id) is not None:
            return client
        contact = await self._work.last_contact(client_id)
        return client if contact is not None and contact.via_care else None

    async def forward_from_client(
        self,
        client: User,
        route: ClientRoute,
        message: Incoming,
        markup: dict[str, Any] | None,
        file_path: str | None = None,
    ) -> None:
        """Send the client's message along `route` (not NOBODY) and write the protocol."""
        key = f"cm:{message.key}"
        header = _route_header(client, route)
        deliveries = [
            d
            for staff in route.recipients
            for d in incoming_deliveries(staff.telegram_id, header, message, markup, key)
        ]
        await self._outbox.enqueue(deliveries)
        await self._open_care_thread_unless_staff(client, route)
        recipient = _route_recipient(route)
        await self._record_from_client(
            client, route.open_order, route.order, recipient, message, key, file_path
        )

    async def forward_album_from_client(
        self,
        client: User,
        route: ClientRoute,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
    ) -> None:
        """A client's album along `route` (not NOBODY), whole and as an album; a protocol line per item."""
        key = f"cm:{items[0].key}"
        header = _route_header(client, route)
        deliveries = [
            d
            for staff in route.recipients
            for d in album_deliveries(staff.telegram_id, header, items, markup, key)
        ]
        await self._outbox.enqueue(deliveries)
        await self._open_care_thread_unless_staff(client, route)
        recipient = _route_recipient(route)
        for item, path in zip(items, file_paths, strict=True):
            await self._record_from_client(
                client, route.open_order, route.order, recipient, item, f"cm:{item.key}", path
            )

    async def _open_care_thread_unless_staff(self, client: User, route: ClientRoute) -> None:
        if route.kind is not RouteKind.STAFF:  # care and the admins may answer them
            await self._routing.open_care_thread(client.telegram_id)

    async def _record_from_client(
        self,
        client: User,
        open_order: Order | None,
        about: Order | None,
        recipient: str,
        message: Incoming,
        key: str,
        file_path: str | None = None,
    ) -> None:
        await self._protocol.record(
            ProtocolEntry(
                order_id=open_order.id if open_order is not None else None,
                order_number=about.number if about is not None else None,
                sender_id=client.telegram_id,
                sender_role=_role(client),
                sender_name=f"клиент {client.phone}",
                recipient=recipient,
                kind=message.kind,
                text=message.text if file_path else protocol_text(message),
                file_path=file_path,
                dedup_key=key,
            )
        )

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
        header = texts.attention_alert(word, numbers, _who(client), client.phone)
        chunks = compose(header, message.text)
        key = f"aw:{message.key}"
        await self._outbox.enqueue(
            [d for admin in admins for d in message_deliveries(admin.telegram_id, chunks, None, key)]
        )
        self._attention.alerts.note(client.telegram_id)
        return True

    # --- customer care --------------------------------------------------------------------

    async def care_recipients(self) -> list[User]:
        """Active customer-care users; the admins when there are none."""
        care = await self._users.active_with_level(Level.CARE)
        return care or await self._users.active_with_level(Level.ADMIN)

    async def send_care_request(
        self, client: User, message: Incoming, markup: dict[str, Any] | None, file_path: str | None = None
    ) -> bool:
        """A client's request to customer care; False when nobody can take it."""
        recipients = await self.care_recipients()
        if not recipients:
            return False
        key = f"cr:{message.key}"
        header = texts.care_request_header(_who(client), client.phone)
        await self._outbox.enqueue(
            [d for r in recipients for d in incoming_deliveries(r.telegram_id, header, message, markup, key)]
        )
        await self._routing.open_care_thread(client.telegram_id)
        await self._record_from_client(client, None, None, CARE_RECIPIENT, message, key, file_path)
        return True

    async def send_care_album(
        self,
        client: User,
        items: list[Incoming],
        markup: dict[str, Any] | None,
        file_paths: list[str | None],
    ) -> bool:
        """A client's album for customer care, whole; False when nobody can take it."""
        recipients = await self.care_recipients()
        if not recipients:
            return False
        key = f"cr:{items[0].key}"
        header = texts.care_request_header(_who(client), client.phone)
        await self._outbox.enqueue(
            [d for r in recipients for d in album_deliveries(r.telegram_id, header, items, markup, key)]
        )
        await self._routing.open_care_thread(client.telegram_id)
        for item, path in zip(items, file_paths, strict=True):
            await self._record_from_client(client, None, None, CARE_RECIPIENT, item, f"cr:{item.key}", path)
        return True

    async def send_care_reply(self, care: User, client: User, message: Incoming) -> None:
        """Customer care (or an admin) answers a client. The client's replies to it go back to care, and
        so do their other messages while no employee works with them on an open order."""
        key = f"ca:{message.key}"
        chunks = compose(texts.care_reply_header(self._organization), message.text)
        await self._outbox.enqueue(
            message_deliveries(client.telegram_id, chunks, None, key),
            BatchSpec(RELAY_KIND, care.telegram_id, {"order": None}, dedup_key=key, only_problems=True),
        )
        entry = ProtocolEntry(
            order_id=None,
            order_number=None,
            sender_id=care.telegram_id,
            sender_role=_role(care),
            sender_name=f"{CARE_RECIPIENT}: {staff_display_name(care)}",
            recipient=f"клиент {client.phone}",
            kind="text",
            text=message.text,
            dedup_key=key,
        )
        await asyncio.gather(
            self._protocol.record(entry),
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


# Outbox keys of texts a person wrote to a client: an employee's relay, a care answer.
PERSONAL_KEYS = ("rl:", "ca:")


def origin_key(key: str) -> str:
    """An outbox key without the "again:" prefixes of deliveries made again."""
    while key.startswith("again:"):
        key = key[len("again:") :]
    return key
