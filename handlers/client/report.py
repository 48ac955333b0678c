"""Clients: "📄 Отчёт" — the PDF report of their order (issue 15.5).

One open order: its report. Several: a button per order (OwnerOrderCb, the same button "Мои заказы"
shows). None: said so. Every order is checked with services.inspection.access.owns before anything
is built or sent: a forged button for another owner's order gets a refusal and a log line.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from database.orders import Order, OrderRepo
from database.users import User
from handlers.filters import Match
from keyboards.callbacks import OwnerAction, OwnerOrderCb
from keyboards.report import report_pick
from services.inspection.access import owns
from services.inspection.report import OrderReports

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.message(Match(F.text == texts.REPORT_BUTTON))
async def report_button(message: Message, user: User, state: FSMContext, reports: OrderReports) -> None:
    await state.clear()  # a menu button leaves whatever the client was typing (as the care button does)
    orders = [order for order in await reports.open_orders_of(user) if owns(user, order)]
    if not orders:
        await message.answer(texts.REPORT_NO_ORDERS)
    elif len(orders) > 1:
        await message.answer(texts.REPORT_PICK, reply_markup=report_pick(orders))
    else:
        await message.answer(texts.REPORT_PREPARING)
        await _send(message, orders[0], user, reports, f"m{message.message_id}")


@router.callback_query(OwnerOrderCb.filter(F.action == OwnerAction.REPORT))
async def report_pressed(
    callback: CallbackQuery, callback_data: OwnerOrderCb, user: User, orders: OrderRepo, reports: OrderReports
) -> None:
    order = await orders.get(callback_data.order_id)
    if order is None or not owns(user, order):
        log.warning(
            "Report of order id %s refused to client %s: not theirs", callback_data.order_id, user.telegram_id
        )
        await callback.answer(texts.REPORT_NOT_YOURS, show_alert=True)
        return
    await callback.answer(texts.REPORT_PREPARING)
    if isinstance(callback.message, Message):
        await _send(callback.message, order, user, reports, f"c{callback.id}")


async def _send(message: Message, order: Order, user: User, reports: OrderReports, key: str) -> None:
    """Queue the report to the client; what cannot be built is said (the admins are told why)."""
    if not await reports.send_to_client(order, user.telegram_id, key):
        await message.answer(texts.REPORT_UNAVAILABLE_CLIENT)
