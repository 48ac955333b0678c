"""The order card's "Пригласить клиента" and "Статус" (issue 15.1, 15.2); staff only (the employee router's
role filter checks every message and button). What they do is services/inspection."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, Message

import texts
from config import Settings
from database.users import User
from handlers.employee.views import ChatPins
from keyboards import orders as kb
from keyboards.callbacks import InviteCb, StatusAction, StatusCb
from services.inspection.invites import Invites
from services.inspection.statuses import StatusService
from services.orders_flow import OrdersFlow

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.callback_query(InviteCb.filter())
async def invite_pressed(
    callback: CallbackQuery,
    callback_data: InviteCb,
    user: User,
    invites: Invites,
    settings: Settings,
    bot: Bot,
) -> None:
    """The link as an SMS text, then its QR to print on the order sheet (the same link while valid)."""
    me = await bot.me()  # aiogram keeps getMe's answer: one call per process
    invitation = await invites.invite(user, callback_data.order_id, me.username or "")
    await callback.answer()
    chat_id = callback.from_user.id
    number = invitation.order.number
    expires = datetime.fromtimestamp(invitation.expires_at).strftime("%d.%m.%Y")
    sms = texts.invite_sms(settings.organization_name, number, invitation.link)
    await bot.send_message(chat_id, texts.invite_link_text(number, sms, expires))
    png = await invites.qr(invitation.link)
    photo = BufferedInputFile(png, filename=f"invite-{invitation.order.id}.png")
    await bot.send_photo(chat_id, photo, caption=texts.invite_qr_caption(number))


@router.callback_query(StatusCb.filter(F.action == StatusAction.MENU))
async def status_menu(
    callback: CallbackQuery, callback_data: StatusCb, statuses: StatusService, bot: Bot
) -> None:
    choice = await statuses.choice(callback_data.order_id)
    await callback.answer()
    markup = kb.status_choice(choice.order.id, statuses.statuses, choice.current)
    text = texts.status_menu(choice.order.number, statuses.label(choice.current))
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


@router.callback_query(StatusCb.filter(F.action == StatusAction.SET))
async def status_pressed(
    callback: CallbackQuery,
    callback_data: StatusCb,
    user: User,
    statuses: StatusService,
    orders_flow: OrdersFlow,
    settings: Settings,
    bot: Bot,
) -> None:
    """One tap: the status stored, the owner told (once), the list and the pin show it."""
    done = await statuses.set_status(user, callback_data.order_id, callback_data.index)
    number = done.order.number
    if done.changed:
        text = texts.status_saved(number, done.label, done.notified)
    else:
        text = texts.status_unchanged(number, done.label)
    await callback.answer()
    markup = kb.status_choice(done.order.id, statuses.statuses, done.key)
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:  # unchanged, or too old to edit: said in a new message
            log.info("Status list not edited: %s", exc.message)
            if "not modified" not in exc.message:
                await bot.send_message(callback.from_user.id, text, reply_markup=markup)
    else:
        await bot.send_message(callback.from_user.id, text, reply_markup=markup)
    if done.changed:
        chat_id = callback.from_user.id
        await orders_flow.repin(user, done.order.id, ChatPins(bot, chat_id, settings, orders_flow))
        # everyone else with this order open sees the new status in their pin too (edited in place)
        await orders_flow.redraw_pins(
            done.order.id, lambda other: ChatPins(bot, other, settings, orders_flow), skip=user.telegram_id
        )
    await statuses.after_set(done, user)
