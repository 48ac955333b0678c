"""The admin menu's rules: finding users, changing level, name and activity, protocols, user lists."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import texts
from database.orders import Order, OrderRepo
from database.users import Activity, Level, User, UserRepo
from services.phones import normalize_phone
from services.protocol import Protocol, format_line
from services.telegram_text import MESSAGE_LIMIT, plain_length

PAGE_SIZE = 8
NAME_MAX = 64


class AdminError(Exception):
    """A refused admin action; handlers answer each kind with its text."""


class BadPhone(AdminError):
    pass


class UserNotFound(AdminError):
    pass


class NoUserWithPhone(UserNotFound):
    """Nobody has connected with this phone (the error's text is the phone)."""


class LastAdmin(AdminError):
    pass


class BadName(AdminError):
    pass


class OrderNotFound(AdminError):
    pass


@dataclass(frozen=True, slots=True)
class UsersPage:
    users: list[User]
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class UsersReport:
    counts: dict[tuple[int, int], int]
    total: int
    listing: str  # plain text, one user a line


class AdminTools:
    def __init__(
        self, users: UserRepo, orders: OrderRepo, protocol: Protocol, stages: Mapping[str, str] | None = None
    ) -> None:
        self._users = users
        self._orders = orders
        self._protocol = protocol
        self._stages = dict(stages or {})  # a stage folder -> its label, for protocols shown in Telegram

    # --- users ------------------------------------------------------------------------------

    async def find_by_phone(self, raw: str) -> list[User]:
        phone = normalize_phone(raw)
        if phone is None:
            raise BadPhone(raw)
        found = await self._users.by_phone(phone)
        if not found:
            raise NoUserWithPhone(phone)
        return found

    async def get(self, telegram_id: int) -> User:
        user = await self._users.get(telegram_id)
        if user is None:
            raise UserNotFound(str(telegram_id))
        return user

    async def page(self, page: int) -> UsersPage:
        total = await self._users.count()
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(0, page), pages - 1)
        return UsersPage(await self._users.page(page * PAGE_SIZE, PAGE_SIZE), page, pages)

    async def set_level(self, target_id: int, level: Level) -> User:
        """Change the level; the last active admin keeps theirs (LastAdmin)."""
        return await self._change(target_id, level, None, demotes=level is not Level.ADMIN)

    async def set_activity(self, target_id: int, activity: Activity) -> User:
        """Change the activity; the last active admin stays active (LastAdmin)."""
        return await self._change(target_id, None, activity, demotes=activity is Activity.INACTIVE)

    async def _change(
        self, target_id: int, level: Level | None, activity: Activity | None, demotes: bool
    ) -> User:
        """Set the level or the activity; an active admin losing their rights (``demotes``) goes through
        ``demote_admin``, which refuses for the last one."""
        target = await self.get(target_id)
        if target.level is Level.ADMIN and target.is_active and demotes:
            if not await self._users.demote_admin(target_id, level, activity):
                raise LastAdmin()
        elif level is not None:
            await self._users.set_level(target_id, level)
        elif activity is not None:
            await self._users.set_activity(target_id, activity)
        return await self.get(target_id)

    async def set_name(self, target_id: int, raw: str) -> User:
        name = " ".join(raw.split())
        if not 1 <= len(name) <= NAME_MAX:
            raise BadName(raw)
        await self.get(target_id)
        await self._users.set_name(target_id, name)
        return await self.get(target_id)

    async def users_report(self) -> UsersReport:
        users = await self._users.all()
        counts = await self._users.counts_by_level_activity()
        lines = [f"{texts.USERS_FILE_TITLE}: {len(users)}", ""]
        lines += [
            texts.user_line(u.name, u.tg_name, u.phone, int(u.level), int(u.activity))
            + f" · telegram id {u.telegram_id}"
            for u in users
        ]
        return UsersReport(counts, len(users), "\n".join(lines) + "\n")

    # --- protocols --------------------------------------------------------------------------

    async def order_protocol(self, number: str) -> tuple[Order, str]:
        """The protocol of an order (open or closed) as plain text; OrderNotFound."""
        number = number.strip()
        order = await self._orders.get_by_number(number) if number else None
        if order is None:
            raise OrderNotFound(number)
        entries = await self._protocol.entries(order.id)
        return order, "".join(format_line(stored, stages=self._stages) for stored in entries)

    async def general_protocol(self) -> str:
        entries = await self._protocol.entries(None)
        return "".join(format_line(stored, stages=self._stages) for stored in entries)


def protocol_fits_message(title: str, body: str) -> bool:
    """Whether the protocol can go as one message; a longer one goes as a file. Counted the way
    Telegram counts (UTF-16 units of the text without tags): an emoji is two."""
    return plain_length(texts.protocol_message(title, body)) <= MESSAGE_LIMIT
