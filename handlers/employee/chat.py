"""Staff write to the client of the order they are in; the "switch to this order" button."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.types import CallbackQuery, Message

import texts
from config import Settings
from database.orders import OrderRepo
from database.users import User
from database.work import WorkRepo
from handlers.employee import orders as order_handlers
from handlers.filters import PLAIN_TEXT
from keyboards.callbacks import ConvAction, ConvCb
from services.conversations import (
    ClientNotConnected,
    Conversations,
    Incoming,
    NoOrderChosen,
    OrderClosed,
    RelayError,
)

router = Router(name=__name__)


@router.message(StateFilter(None), PLAIN_TEXT)
async def to_client(message: Message, user: User, conversations: Conversations) -> None:
    assert message.text is not None
    incoming = Incoming(message.chat.id, message.message_id, "text", message.text)
    try:
        hint_due = await conversations.relay(user, incoming)
    except RelayError as exc:
        await message.answer(_relay_problem(exc))
        return
    if hint_due:
        await message.answer(texts.relay_no_name(user.tg_name))


def _relay_problem(exc: RelayError) -> str:
    if isinstance(exc, OrderClosed):
        return texts.relay_order_closed(exc.order.number)
    if isinstance(exc, ClientNotConnected):
        return texts.relay_no_client(exc.order.number)
    assert isinstance(exc, NoOrderChosen)
    return texts.RELAY_NO_ORDER


@router.callback_query(ConvCb.filter(F.action == ConvAction.OPEN_ORDER))
async def switch_to_order(
    callback: CallbackQuery,
    callback_data: ConvCb,
    user: User,
    orders: OrderRepo,
    work: WorkRepo,
    settings: Settings,
    bot: Bot,
) -> None:
    order = await orders.get(callback_data.order_id)
    if order is None or not order.is_open:
        await callback.answer(texts.SWITCH_ORDER_GONE, show_alert=True)
        return
    await callback.answer()
    await order_handlers.open_order(bot, callback.from_user.id, user, order, work, settings)
