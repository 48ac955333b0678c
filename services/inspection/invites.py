"""The invitation per order: a random token for t.me/<bot>?start=<token>, its QR, and what opening it does.

The token is `secrets.token_urlsafe` (never the order number), one per order, reused while valid: it
lasts INVITE_DAYS and only while the order is open. Opening it links nobody by itself: a client is the
order's client when their verified phone equals the order's (services/conversations routing), so the
invitation only checks that, tells the employee working on the order "клиент подключился", and, for a
foreign phone, tells customer care (care, or the admins when there is no care) with both phones.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import segno

import texts
from database.order_invites import Invite, InviteRepo
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.protocol import ProtocolEntry
from database.users import STAFF_LEVELS, Level, User, UserRepo
from services.orders_flow import OrderGone
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)

TOKEN_BYTES = 18  # token_urlsafe: 24 characters of [A-Za-z0-9_-], well within a deep link's 64
TOKEN_LENGTH = 24
INVITE_DAYS = 30
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_shape_ok(token: str | None) -> bool:
    """What a token of ours looks like; anything else is refused before the database is asked."""
    return token is not None and len(token) == TOKEN_LENGTH and set(token) <= _ALPHABET


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def qr_png(link: str) -> bytes:
    """The link as a QR PNG big enough to print on an A4 order sheet (blocking: run in a thread)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


class Opened(StrEnum):
    """What opening an invitation came to."""

    LINKED = "linked"  # the client's phone is the order's: they are its client
    FOREIGN = "foreign"  # another phone: not linked, care told
    UNKNOWN = "unknown"  # not a token of ours (garbage, forged, cut short)
    EXPIRED = "expired"  # ours, but past its days or the order is closed
    STAFF = "staff"  # staff opened a client's invitation: nothing changes
    VALID = "valid"  # checked before the contact: the token is good, nobody linked yet


@dataclass(frozen=True, slots=True)
class Invitation:
    order: Order
    link: str
    expires_at: float
    reused: bool  # the same link as before (asked again while valid)


@dataclass(frozen=True, slots=True)
class OpenResult:
    outcome: Opened
    order: Order | None = None


class Invites:
    def __init__(
        self,
        repo: InviteRepo,
        orders: OrderRepo,
        users: UserRepo,
        outbox: Deliveries,
        protocol: Recorder,
        clock: Callable[[], float] = time.time,
        days: float = INVITE_DAYS,
    ) -> None:
        self._repo = repo
        self._orders = orders
        self._users = users
        self._outbox = outbox
        self._protocol = protocol
        self._clock = clock
        self._lifetime = days * 86400

    async def invite(self, staff: User, order_id: int, bot_username: str) -> Invitation:
        """The order's invitation (OrderGone unless the order is open): the valid one, or a new one."""
        order = await self._orders.get(order_id)
        if order is None or not order.is_open:
            raise OrderGone()
        now = self._clock()
        candidate = Invite(order.id, new_token(), staff.telegram_id, now, now + self._lifetime)
        stored = await self._repo.issue(candidate, now)
        if stored is candidate:
            log.info("Invitation for order %s made by %s", order.number, staff.telegram_id)
        return Invitation(
            order, invite_link(bot_username, stored.token), stored.expires_at, stored is not candidate
        )

    async def qr(self, link: str) -> bytes:
        return await asyncio.to_thread(qr_png, link)

    async def check(self, token: str | None) -> OpenResult:
        """A token before the contact is shared: VALID, UNKNOWN or EXPIRED."""
        return await self._valid(token)

    async def open(self, user: User, token: str | None) -> OpenResult:
        """A connected person (their phone verified by Telegram) opened the invitation."""
        found = await self._valid(token)
        if found.outcome is not Opened.VALID or found.order is None:
            log.info("User %s opened an invitation that is %s", user.telegram_id, found.outcome)
            return found
        order = found.order
        if user.level in STAFF_LEVELS:
            return OpenResult(Opened.STAFF, order)
        invite = await self._repo.by_token(token or "")
        if order.phone and user.phone == order.phone:
            await self._joined(user, order, invite)
            return OpenResult(Opened.LINKED, order)
        await self._foreign(user, order)
        return OpenResult(Opened.FOREIGN, order)

    async def _valid(self, token: str | None) -> OpenResult:
        if not token_shape_ok(token):
            return OpenResult(Opened.UNKNOWN)
        invite = await self._repo.by_token(token or "")
        if invite is None:
            return OpenResult(Opened.UNKNOWN)
        order = await self._orders.get(invite.order_id)
        if order is None or not order.is_open or invite.expires_at <= self._clock():
            return OpenResult(Opened.EXPIRED, order)
        return OpenResult(Opened.VALID, order)

    async def _joined(self, client: User, order: Order, invite: Invite | None) -> None:
        """The staff on the order (and who made the invitation) hear "клиент подключился", once each."""
        staff = set(await self._repo.staff_on_order(order.id))
        if invite is not None:
            maker = await self._users.get(invite.created_by)
            if maker is not None and maker.is_active and maker.level in STAFF_LEVELS:
                staff.add(maker.telegram_id)
        text = texts.invite_joined_notice(order.number, client.name or client.tg_name, client.phone)
        await self._outbox.enqueue(
            [
                Delivery(
                    chat,
                    Method.MESSAGE,
                    {"text": text},
                    f"invite-joined:{client.telegram_id}:{order.id}:{chat}",
                )
                for chat in sorted(staff)
            ]
        )
        await self._record(client, order, texts.INVITE_PROTOCOL_LINKED, "linked")
        log.info(
            "Client %s joined order %s by invitation; %d staff told",
            client.telegram_id,
            order.number,
            len(staff),
        )

    async def _foreign(self, person: User, order: Order) -> None:
        care = await self._users.active_with_level(Level.CARE) or await self._users.active_with_level(
            Level.ADMIN
        )
        text = texts.invite_foreign_notice(
            order.number, person.name or person.tg_name, person.phone, order.phone
        )
        await self._outbox.enqueue(
            [
                Delivery(
                    u.telegram_id,
                    Method.MESSAGE,
                    {"text": text},
                    f"invite-foreign:{person.telegram_id}:{order.id}:{u.telegram_id}",
                )
                for u in care
            ]
        )
        await self._record(person, order, texts.invite_protocol_foreign(person.phone, order.phone), "foreign")
        log.warning(
            "User %s (phone %s) opened the invitation of order %s (phone %s): not linked, %d told",
            person.telegram_id, person.phone, order.number, order.phone, len(care),
        )  # fmt: skip

    async def _record(self, person: User, order: Order, text: str, what: str) -> None:
        entry = ProtocolEntry.in_order(
            person,
            order,
            recipient="бот",
            kind="invite",
            text=text,
            dedup_key=f"invite:{what}:{person.telegram_id}:{order.id}",
        )
        await self._protocol.record(entry)
