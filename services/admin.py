"""The admin menu's rules: finding users (by phone, part of a name, a list) and their cards, changing
level, name and activity, staff registered in advance by phone, protocols, user lists."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import texts
from database.orders import Order, OrderRepo
from database.staff_invites import StaffInvite, StaffInviteRepo
from database.users import Activity, Level, User, UserRepo
from services.phones import normalize_phone
from services.protocol import Protocol, format_line
from services.telegram_text import MESSAGE_LIMIT, plain_length

PAGE_SIZE = 8
NAME_MAX = 64
FOUND_MAX = 20  # people or orders offered as one list of buttons
LATEST_ORDERS = 3  # order numbers on a card
PHONE_PART_MIN = 4  # digits: a shorter number matches half the base
NAME_PART_MIN = 2
INVITE_LEVELS = (Level.EMPLOYEE, Level.CARE, Level.ADMIN)  # what staff can be registered as in advance


class AdminError(Exception):
    """A refused admin action; handlers answer each kind with its text."""


class BadPhone(AdminError):
    pass


class UserNotFound(AdminError):
    pass


class LastAdmin(AdminError):
    pass


class BadName(AdminError):
    pass


class OrderNotFound(AdminError):
    pass


class BadQuery(AdminError):
    """Neither a phone nor a part of a name (a letter or three digits)."""


class NobodyFound(AdminError):
    """Nobody's name or phone contains it (the error's text is what was looked for)."""


class InviteGone(AdminError):
    """The invite was used (its phone connected) or cancelled meanwhile."""


class PhoneConnected(AdminError):
    """Someone connected with this phone meanwhile: their card is the place to set their level."""


@dataclass(frozen=True, slots=True)
class Found:
    """What a search found: people, or (`phone` set, nobody with it) the phone's invite, if any."""

    users: list[User]
    phone: str | None = None
    invite: StaffInvite | None = None


@dataclass(frozen=True, slots=True)
class UserCard:
    user: User
    last_seen: float | None
    orders_count: int
    latest_orders: list[tuple[int, str]]  # (order id, number), newest first


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
        self,
        users: UserRepo,
        orders: OrderRepo,
        protocol: Protocol,
        stages: Mapping[str, str] | None = None,
        invites: StaffInviteRepo | None = None,
    ) -> None:
        self._users = users
        self._orders = orders
        self._protocol = protocol
        self._stages = dict(stages or {})  # a stage folder -> its label, for protocols shown in Telegram
        self._invites = invites

    # --- users ------------------------------------------------------------------------------

    async def search(self, raw: str) -> Found:
        """A phone in any spelling, a part of a phone (digits) or a part of a name (admin-given or
        Telegram's, any case, any alphabet). A whole phone nobody has: its invite, or none yet."""
        query = " ".join(raw.split())
        if any(ch.isalpha() for ch in query):
            if len(query) < NAME_PART_MIN:
                raise BadQuery(raw)
            found = await self._users.search_names(query, FOUND_MAX)
        else:
            phone = normalize_phone(query)
            if phone is not None:
                users = await self._users.by_phone(phone)
                invite = None if users else await self._invite_of(phone)
                return Found(users, None if users else phone, invite)
            digits = "".join(ch for ch in query if ch.isdigit())
            if len(digits) < PHONE_PART_MIN:
                raise BadQuery(raw)
            found = await self._users.by_phone_digits(digits, FOUND_MAX)
        if not found:
            raise NobodyFound(query)
        return Found(found)

    async def card(self, telegram_id: int) -> UserCard:
        user = await self.get(telegram_id)
        touched = await self._users.orders_touched(telegram_id)
        seen = await self._users.last_seen(telegram_id)
        return UserCard(user, seen, len(touched), touched[:LATEST_ORDERS])

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
        name = _clean_name(raw)
        await self.get(target_id)
        await self._users.set_name(target_id, name)
        return await self.get(target_id)

    # --- staff registered in advance ---------------------------------------------------------

    async def _invite_of(self, phone: str) -> StaffInvite | None:
        return await self._invites.by_phone(phone) if self._invites else None

    def _invite_repo(self) -> StaffInviteRepo:
        if self._invites is None:
            raise InviteGone()
        return self._invites

    async def invite(self, raw_phone: str, level: int, admin_id: int) -> StaffInvite:
        """Register a phone nobody has connected with as staff of `level` (or change its level)."""
        phone = normalize_phone(raw_phone)
        if phone is None:
            raise BadPhone(raw_phone)
        if level not in {int(lv) for lv in INVITE_LEVELS}:
            raise InviteGone()  # a forged level
        if await self._users.by_phone(phone):
            raise PhoneConnected(phone)
        return await self._invite_repo().save(phone, level, admin_id)

    async def get_invite(self, invite_id: int) -> StaffInvite:
        invite = await self._invite_repo().get(invite_id)
        if invite is None:
            raise InviteGone()
        return invite

    async def set_invite_level(self, invite_id: int, level: int, admin_id: int) -> StaffInvite:
        invite = await self.get_invite(invite_id)
        return await self.invite(invite.phone, level, admin_id)

    async def set_invite_name(self, invite_id: int, raw: str) -> StaffInvite:
        name = _clean_name(raw)
        await self.get_invite(invite_id)
        await self._invite_repo().set_name(invite_id, name)
        return await self.get_invite(invite_id)

    async def drop_invite(self, invite_id: int) -> StaffInvite:
        invite = await self.get_invite(invite_id)
        if not await self._invite_repo().delete(invite_id):
            raise InviteGone()
        return invite

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
        return order, await self._order_lines(order)

    async def find_orders(self, part: str) -> list[Order]:
        """Orders (open or closed) whose number contains `part`; the exact number alone when it
        matches; OrderNotFound when none."""
        part = " ".join(part.split())
        exact = await self._orders.get_by_number(part) if part else None
        if exact is not None:
            return [exact]
        found = await self._orders.search_any(part, FOUND_MAX) if part else []
        if not found:
            raise OrderNotFound(part)
        return found

    async def protocol_of(self, order_id: int) -> tuple[Order, str]:
        """A protocol picked from a list (the id comes from a button: checked)."""
        order = await self._orders.get(order_id)
        if order is None:
            raise OrderNotFound(str(order_id))
        return order, await self._order_lines(order)

    async def _order_lines(self, order: Order) -> str:
        entries = await self._protocol.entries(order.id)
        return "".join(format_line(stored, stages=self._stages) for stored in entries)

    async def general_protocol(self) -> str:
        entries = await self._protocol.entries(None)
        return "".join(format_line(stored, stages=self._stages) for stored in entries)


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise BadName(raw)
    return name


def protocol_fits_message(title: str, body: str) -> bool:
    """Whether the protocol can go as one message; a longer one goes as a file. Counted the way
    Telegram counts (UTF-16 units of the text without tags): an emoji is two."""
    return plain_length(texts.protocol_message(title, body)) <= MESSAGE_LIMIT
