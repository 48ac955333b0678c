"""Staff work context (current order and stage) and the client → staff routing memory."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from database import orders, users
from database.connection import Database
from database.orders import Order
from database.users import User


@dataclass(frozen=True, slots=True)
class WorkContext:
    telegram_id: int
    order_id: int | None
    type_label: str | None
    pin_message_id: int | None
    chatting: bool = True


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """Where a staff member's typed text would go: their order, its clients, and whether they are in
    its chat (see migration 0008)."""

    order: Order | None
    clients: list[User]
    chatting: bool


@dataclass(frozen=True, slots=True)
class ClientContact:
    client_id: int
    staff_id: int
    order_id: int | None
    via_care: bool


class WorkRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        # What this process last wrote per client: a relay to the same client skips a write.
        self._contacts: dict[int, tuple[int, int | None, bool]] = {}

    async def get(self, telegram_id: int) -> WorkContext | None:
        row = await self._db.fetchone(
            "SELECT telegram_id, order_id, type_label, pin_message_id, chatting FROM work_context"
            " WHERE telegram_id = ?",
            (telegram_id,),
        )
        return WorkContext(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    async def pinned_on(self, order_id: int) -> list[WorkContext]:
        """Active staff working on this order who have a pin: whose pin shows it."""
        rows = await self._db.fetchall(
            "SELECT w.telegram_id, w.order_id, w.type_label, w.pin_message_id, w.chatting"
            " FROM work_context w JOIN users u ON u.telegram_id = w.telegram_id"
            " WHERE w.order_id = ? AND w.pin_message_id IS NOT NULL AND u.level IN (?, ?, ?)"
            " AND u.activity = 1 ORDER BY w.telegram_id",
            (order_id, *(int(level) for level in users.STAFF_LEVELS)),
        )
        return [WorkContext(row[0], row[1], row[2], row[3], bool(row[4])) for row in rows]

    async def chat_target(self, telegram_id: int) -> ChatTarget:
        """The order, its connected clients and the chat flag, in one round trip: every relay of an
        employee's text starts with this."""

        def query(conn: sqlite3.Connection) -> ChatTarget:
            found = orders.chat_order_for_staff(conn, telegram_id)
            if found is None:
                return ChatTarget(None, [], False)
            order, chatting = found
            if not order.phone:
                return ChatTarget(order, [], chatting)
            return ChatTarget(order, users.active_clients_with_phone(conn, order.phone), chatting)

        return await self._db.read(query)

    async def set_chatting(self, telegram_id: int, chatting: bool) -> None:
        await self._db.write(
            "UPDATE work_context SET chatting = ?, updated_at = ? WHERE telegram_id = ?",
            (int(chatting), time.time(), telegram_id),
        )

    async def set_order(self, telegram_id: int, order_id: int) -> None:
        """Choosing an order resets the stage (the employee picks it again for the new order) and
        enters its chat: what the employee types next goes to its client."""
        await self._db.write(
            "INSERT INTO work_context (telegram_id, order_id, type_label, chatting, updated_at)"
            " VALUES (?, ?, NULL, 1, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
            " order_id = excluded.order_id, type_label = NULL, chatting = 1,"
            " updated_at = excluded.updated_at",
            (telegram_id, order_id, time.time()),
        )

    async def set_type(self, telegram_id: int, type_label: str) -> None:
        await self._db.write(
            "UPDATE work_context SET type_label = ?, updated_at = ? WHERE telegram_id = ?",
            (type_label, time.time(), telegram_id),
        )

    async def set_pin(self, telegram_id: int, message_id: int | None) -> None:
        await self._db.write(
            "UPDATE work_context SET pin_message_id = ?, updated_at = ? WHERE telegram_id = ?",
            (message_id, time.time(), telegram_id),
        )

    async def remember_contact(
        self, client_id: int, staff_id: int, order_id: int | None, via_care: bool = False
    ) -> None:
        if self._contacts.get(client_id) == (staff_id, order_id, via_care):
            return
        await self._db.write(
            "INSERT INTO client_contacts (client_id, staff_id, order_id, via_care, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET staff_id = excluded.staff_id,"
            " order_id = excluded.order_id, via_care = excluded.via_care, updated_at = excluded.updated_at",
            (client_id, staff_id, order_id, int(via_care), time.time()),
        )
        self._contacts[client_id] = (staff_id, order_id, via_care)

    async def last_contact(self, client_id: int) -> ClientContact | None:
        row = await self._db.fetchone(
            "SELECT client_id, staff_id, order_id, via_care FROM client_contacts WHERE client_id = ?",
            (client_id,),
        )
        return ClientContact(row[0], row[1], row[2], bool(row[3])) if row else None
