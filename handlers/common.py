"""Registration (/start + own contact), /help and /cancel: open to everyone."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter, Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import ChatMemberUpdated, Message

import texts
from config import Settings
from database.outbox import Delivery, Method
from database.users import STAFF_LEVELS, Level, User, UserRepo
from handlers.filters import Match, RoleFilter
from keyboards import common as common_kb
from keyboards.menus import main_menu
from runtime.commands import set_user_commands
from runtime.outbox import Outbox
from services.conversations import Conversations
from services.media import MediaService
from services.phones import normalize_phone
from services.registration import clean_start_payload, level_on_connect

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    user: User | None,
    users: UserRepo,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
    media: MediaService,
    conversations: Conversations,
) -> None:
    payload = clean_start_payload(command.args)
    if user is None or not user.phone:  # new, or their phone was connected in another account since
        await state.update_data(start_payload=payload)
        await message.answer(texts.greeting(settings.organization_name), reply_markup=common_kb.share_phone())
        return
    if payload:
        await users.set_start_payload(user.telegram_id, payload)
    await set_user_commands(bot, message.chat.id, user.level)
    await message.answer(texts.already_registered(user.level), reply_markup=main_menu(user.level))
    if user.level is Level.CLIENT:  # back after blocking the bot: what could not reach them meanwhile
        await _welcome_back(user, f"{message.chat.id}:{message.message_id}", media, conversations)


@router.message(Match(F.contact))
async def contact(
    message: Message,
    user: User | None,
    users: UserRepo,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
    media: MediaService,
    outbox: Outbox,
) -> None:
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        log.warning("User %s shared someone else's contact; refused", message.from_user.id)
        await message.answer(texts.FOREIGN_CONTACT, reply_markup=common_kb.share_phone())
        return
    phone = normalize_phone(message.contact.phone_number)
    if phone is None:
        log.warning("User %s shared an unreadable phone %r", message.chat.id, message.contact.phone_number)
        await message.answer(texts.BAD_CONTACT_PHONE, reply_markup=common_kb.share_phone())
        return
    first_in_demo = settings.demo and await users.count() == 0
    level = level_on_connect(user, phone, settings.admin_phones, first_in_demo)
    registered = await users.register(message.from_user.id, phone, message.from_user.full_name, level)
    if registered.level != level:
        await users.set_level(registered.telegram_id, level)
    if level is Level.CLIENT:
        await _take_phone(phone, registered, users, outbox)
    payload = (await state.get_data()).get("start_payload")
    if payload:
        await users.set_start_payload(registered.telegram_id, payload)
    await state.clear()
    log.info("User %s connected with phone %s as level %s", registered.telegram_id, phone, int(level))
    await set_user_commands(bot, message.chat.id, level)
    await message.answer(texts.registered(settings.organization_name, level), reply_markup=main_menu(level))
    if level is Level.CLIENT:  # materials filed for their open orders before they connected
        await media.deliver_backlog(registered, f"{message.chat.id}:{message.message_id}")


@router.message(Match(F.text == texts.CARE_BUTTON), RoleFilter(*STAFF_LEVELS))
async def staff_care_button(message: Message, user: User) -> None:
    """The client's reply button left on a promoted user's screen is never relayed as text."""
    await message.answer(texts.STAFF_CARE_BUTTON, reply_markup=main_menu(user.level))


@router.message(Command("help"))
async def help_command(message: Message, user: User | None) -> None:
    if user is None:
        await message.answer(texts.NOT_REGISTERED)
        return
    await message.answer(texts.help_text(user.level))


@router.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(texts.NOTHING_TO_CANCEL)
        return
    await state.clear()
    await message.answer(texts.CANCELLED)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def blocked_bot(event: ChatMemberUpdated, user: User | None, users: UserRepo) -> None:
    """A user who blocks the bot is marked unreachable, so staff are told instead of waiting."""
    if user is not None:
        log.info("User %s blocked the bot", user.telegram_id)
        await users.set_reachable(user.telegram_id, False)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def unblocked_bot(
    event: ChatMemberUpdated,
    user: User | None,
    users: UserRepo,
    media: MediaService,
    conversations: Conversations,
) -> None:
    if user is None:
        return
    await users.set_reachable(user.telegram_id, True)
    if user.level is Level.CLIENT and user.is_active:
        await _welcome_back(
            user, f"member:{event.chat.id}:{event.date.timestamp():.0f}", media, conversations
        )


async def _welcome_back(user: User, trigger: str, media: MediaService, conversations: Conversations) -> None:
    """A client back after blocking the bot gets what could not reach them meanwhile: texts and files
    alike (each is queued once, whichever of /start and the unblock comes first)."""
    texts_again = await conversations.deliver_blocked_texts(user)
    files = await media.deliver_backlog(user, trigger)
    if texts_again or files:
        log.info("Client %s is back: %d text(s) and %d file(s) queued", user.telegram_id, texts_again, files)


async def _take_phone(phone: str, owner: User, users: UserRepo, outbox: Outbox) -> None:
    """The latest verified owner of a phone wins; the other accounts are told (18.5)."""
    for telegram_id in await users.release_phone(phone, owner.telegram_id):
        log.warning("Phone %s moved from %s to %s", phone, telegram_id, owner.telegram_id)
        notice = Delivery(telegram_id, Method.MESSAGE, {"text": texts.phone_taken_notice(phone)})
        await outbox.enqueue([notice])
