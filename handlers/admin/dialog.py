"""What the admin menu's handlers share: its states, the one-message views (a card, a registration)
and showing a view in place."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

import texts
from database.staff_invites import StaffInvite
from database.users import Level
from handlers.filters import Match
from keyboards import admin as kb
from keyboards.callbacks import AdminAction, AdminCb, AdminInviteCb, AdminOrderCb
from services.admin import UserCard

log = logging.getLogger(__name__)


class AdminMenu(StatesGroup):
    find = State()  # the menu is open: a typed text is a phone or a part of a name
    name = State()  # a typed text is the new name of the card's person (data: user_id, card, back)
    protocol = State()  # a typed text is an order number or a part of it
    invite_name = State()  # a typed text is the name of a phone registered in advance (data: invite_id, card)
    template = State()  # a typed text is the new owner's message of a status (data: status)


# What a question of the menu answers "send text" to: not a /command, and not a photo, video or document
# (those go on to the employee's handlers and are filed: an admin is staff too, nothing is swallowed).
NOT_TEXT_NOR_FILE = Match(~F.text & ~F.photo & ~F.video & ~F.document)


def action(*actions: AdminAction):  # a callback-data filter
    return AdminCb.filter(F.action.in_(set(actions)))


async def show(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, edit: bool = True
) -> Message:
    """`message` edited to show `text` (the same view again is no error), or a new message when it
    cannot be edited (deleted, too old) or `edit` is False."""
    if edit:
        try:
            edited = await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            if "message is not modified" in str(exc):
                return message
            log.info("Admin view %s not edited (%s): sent anew", message.message_id, exc)
        else:
            return edited if isinstance(edited, Message) else message
    return await message.answer(text, reply_markup=markup)


async def edit_by_id(
    message: Message, message_id: int | None, text: str, markup: InlineKeyboardMarkup
) -> None:
    """A view the admin answered by typing (a name): the view message is edited by its id."""
    bot = message.bot
    if message_id is not None and bot is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=message.chat.id, message_id=message_id, reply_markup=markup
            )
            return
        except TelegramBadRequest as exc:
            if "message is not modified" in str(exc):
                return
            log.info("Admin view %s not edited (%s): sent anew", message_id, exc)
    await message.answer(text, reply_markup=markup)


def card_text(card: UserCard) -> str:
    user = card.user
    latest = [number for _, number in card.latest_orders]
    return texts.admin_card(
        user.name,
        user.tg_name,
        user.phone,
        user.level,
        int(user.activity),
        card.last_seen,
        card.orders_count,
        latest,
    )


def card_markup(card: UserCard, back: int) -> InlineKeyboardMarkup:
    return kb.card(card.user, back, card.latest_orders)


def invite_text(invite: StaffInvite, asking_name: bool) -> str:
    return texts.admin_invite_card(invite.phone, Level(invite.level), invite.name, asking_name)


async def menu_open(state: FSMContext) -> None:
    """After any action the menu stays open: the next typed text is a search again."""
    await state.set_state(AdminMenu.find)


def callback_message(callback: CallbackQuery) -> Message | None:
    return callback.message if isinstance(callback.message, Message) else None


# --- anything else: a button of a view that is gone -------------------------------------------------

stale_router = Router(name=f"{__name__}.stale")


@stale_router.callback_query(AdminCb.filter())
@stale_router.callback_query(AdminInviteCb.filter())
@stale_router.callback_query(AdminOrderCb.filter())
async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(texts.BUTTON_STALE, show_alert=True)
