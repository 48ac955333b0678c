"""Registration: who a person becomes when they share their phone with the bot, and the use cases of
/start, the shared contact and a client coming back after blocking the bot. No aiogram here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import texts
from database.outbox import Delivery, Method
from database.users import Level, User, UserRepo
from services.conversations import Conversations
from services.media import MediaService
from services.phones import normalize_phone
from services.ports import Deliveries

log = logging.getLogger(__name__)


def level_on_connect(
    existing: User | None, phone: str, admin_phones: tuple[str, ...], first_in_demo: bool = False
) -> Level:
    """ADMIN_PHONES always make an administrator; otherwise keep the level an admin gave, or client.
    In the demo the very first person to connect is the administrator (nobody else could make one)."""
    if phone in admin_phones or (first_in_demo and existing is None):
        return Level.ADMIN
    return existing.level if existing else Level.CLIENT


def clean_start_payload(raw: str | None) -> str | None:
    """Deep-link payloads are at most 64 characters of [A-Za-z0-9_-]; anything else is ignored."""
    if not raw:
        return None
    payload = raw.strip()
    if not 0 < len(payload) <= 64 or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in payload):
        return None
    return payload


# --- the use cases ------------------------------------------------------------------------------


class RegistrationError(Exception):
    """A contact that cannot connect anybody; handlers/errors.py has the answer to each kind."""


class ForeignContact(RegistrationError):
    """Someone else's contact card: only one's own phone connects (Telegram vouches for it)."""


class UnreadablePhone(RegistrationError):
    pass


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A contact a person sent the bot: who sent it, whose it is (Telegram's user id), the phone."""

    sender_id: int
    owner_id: int | None
    phone: str
    sender_name: str


class Registration:
    """/start, the shared phone, and a client coming back after blocking the bot."""

    def __init__(
        self,
        users: UserRepo,
        outbox: Deliveries,
        media: MediaService,
        conversations: Conversations,
        admin_phones: tuple[str, ...],
        demo: bool,
    ) -> None:
        self._users = users
        self._outbox = outbox
        self._media = media
        self._conversations = conversations
        self._admin_phones = admin_phones
        self._demo = demo

    async def connect(self, contact: SharedContact, start_payload: str | None) -> User:
        """Connect the sender by their own phone, in one transaction (database.users.connect); the
        latest verified owner of a phone wins and the other accounts are told (18.5). A phone an admin
        registered in advance gets its level and name in that transaction, and the admin is told."""
        if contact.owner_id != contact.sender_id:
            log.warning("User %s shared someone else's contact; refused", contact.sender_id)
            raise ForeignContact()
        phone = normalize_phone(contact.phone)
        if phone is None:
            log.warning("User %s shared an unreadable phone %r", contact.sender_id, contact.phone)
            raise UnreadablePhone()

        def rule(before: User | None, users_before: int) -> Level:
            return level_on_connect(before, phone, self._admin_phones, self._demo and users_before == 0)

        connected = await self._users.connect(
            contact.sender_id, phone, contact.sender_name, rule, start_payload
        )
        user = connected.user
        if connected.invite is not None:  # registered in advance: the admin who did it is told
            invite = connected.invite
            log.info("User %s connected by the staff invite of admin %s", user.telegram_id, invite.created_by)
            said = texts.staff_invite_used(user.name, user.tg_name, phone, user.level)
            await self._outbox.enqueue([Delivery(invite.created_by, Method.MESSAGE, {"text": said})])
        for telegram_id in connected.phone_lost_by:
            log.warning("Phone %s moved from %s to %s", phone, telegram_id, user.telegram_id)
            notice = Delivery(telegram_id, Method.MESSAGE, {"text": texts.phone_taken_notice(phone)})
            await self._outbox.enqueue([notice])
        log.info("User %s connected with phone %s as level %s", user.telegram_id, phone, int(user.level))
        return user

    async def deliver_backlog(self, user: User, trigger: str) -> int:
        """A client just connected: the files filed for their open orders before they connected."""
        return await self._media.deliver_backlog(user, trigger) if user.level is Level.CLIENT else 0

    async def started_again(self, user: User, start_payload: str | None) -> None:
        """/start from a connected person: the deep link they came by this time is remembered."""
        if start_payload:
            await self._users.set_start_payload(user.telegram_id, start_payload)

    async def welcome_back(self, user: User, trigger: str) -> None:
        """A client back (after blocking the bot) gets what could not reach them meanwhile: texts and files
        alike (each is queued once, whichever of /start and the unblock comes first)."""
        if user.level is not Level.CLIENT or not user.is_active:
            return
        texts_again = await self._conversations.deliver_blocked_texts(user)
        files = await self._media.deliver_backlog(user, trigger)
        if texts_again or files:
            log.info(
                "Client %s is back: %d text(s) and %d file(s) queued", user.telegram_id, texts_again, files
            )

    async def blocked(self, user: User) -> None:
        """They blocked the bot: marked unreachable, so staff are told instead of waiting."""
        log.info("User %s blocked the bot", user.telegram_id)
        await self._users.set_reachable(user.telegram_id, False)

    async def unblocked(self, user: User, trigger: str) -> None:
        await self._users.set_reachable(user.telegram_id, True)
        await self.welcome_back(user, trigger)
