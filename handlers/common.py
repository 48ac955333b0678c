"""Registration (/start + own contact), /help and /cancel: open to everyone."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter, Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import ChatMemberUpdated, Message

import texts
from config import Settings
from database.users import STAFF_LEVELS, User
from handlers.dialogs import leave_dialog
from handlers.errors import answer_error
from handlers.filters import Match, RoleFilter
from keyboards import common as common_kb
from keyboards.menus import main_menu
from runtime.commands import set_user_commands
from services.inspection.invites import Invites, Opened, OpenResult
from services.registration import Registration, RegistrationError, SharedContact, clean_start_payload

router = Router(name=__name__)


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    user: User | None,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
    registration: Registration,
    invites: Invites,
) -> None:
    payload = clean_start_payload(command.args)
    if user is None or not user.phone:  # new, or their phone was connected in another account since
        invite = await invites.check(payload) if command.args else None
        if invite is not None and invite.outcome is not Opened.VALID:
            await message.answer(_OPENED_TEXTS[invite.outcome])
        valid = invite is not None and invite.outcome is Opened.VALID
        await state.update_data(start_payload=payload, invite=payload if valid else None)
        await message.answer(texts.greeting(settings.organization_name), reply_markup=common_kb.share_phone())
        return
    await registration.started_again(user, payload)
    await set_user_commands(bot, message.chat.id, user.level)
    await message.answer(texts.already_registered(user.level), reply_markup=main_menu(user.level))
    if command.args:  # an invitation opened by someone the bot knows: their phone is checked now
        await _answer_opened(message, await invites.open(user, payload))
    # back after blocking the bot: what could not reach them meanwhile
    await registration.welcome_back(user, f"{message.chat.id}:{message.message_id}")


_OPENED_TEXTS = {
    Opened.UNKNOWN: texts.INVITE_UNKNOWN,
    Opened.EXPIRED: texts.INVITE_EXPIRED,
    Opened.STAFF: texts.INVITE_FOR_CLIENTS,
}


async def _answer_opened(message: Message, opened: OpenResult) -> None:
    if opened.outcome in _OPENED_TEXTS:
        await message.answer(_OPENED_TEXTS[opened.outcome])
    elif opened.order is not None and opened.outcome is Opened.LINKED:
        await message.answer(texts.invite_linked(opened.order.number))
    elif opened.order is not None and opened.outcome is Opened.FOREIGN:
        await message.answer(texts.invite_foreign(opened.order.number))


@router.message(Match(F.contact))
async def contact(
    message: Message,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
    registration: Registration,
    invites: Invites,
) -> None:
    assert message.contact is not None and message.from_user is not None
    shared = SharedContact(
        message.from_user.id,
        message.contact.user_id,
        message.contact.phone_number,
        message.from_user.full_name,
    )
    data = await state.get_data()
    try:
        user = await registration.connect(shared, data.get("start_payload"))
    except RegistrationError as exc:
        await answer_error(message, exc, common_kb.share_phone())
        return
    await state.clear()
    await set_user_commands(bot, message.chat.id, user.level)
    await message.answer(
        texts.registered(settings.organization_name, user.level), reply_markup=main_menu(user.level)
    )
    if invite := data.get("invite"):  # came by an order's invitation: linked only by the order's phone
        await _answer_opened(message, await invites.open(user, invite))
    # a client: materials filed for their open orders before they connected
    await registration.deliver_backlog(user, f"{message.chat.id}:{message.message_id}")


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
    if not await leave_dialog(state):
        await message.answer(texts.NOTHING_TO_CANCEL)
        return
    await message.answer(texts.CANCELLED)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def blocked_bot(event: ChatMemberUpdated, user: User | None, registration: Registration) -> None:
    if user is not None:
        await registration.blocked(user)


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def unblocked_bot(event: ChatMemberUpdated, user: User | None, registration: Registration) -> None:
    if user is not None:
        await registration.unblocked(user, f"member:{event.chat.id}:{event.date.timestamp():.0f}")
