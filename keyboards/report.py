"""Buttons of the order report (issue 15.5): which of the owner's orders to send the report of."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

import texts
from database.orders import Order
from keyboards.callbacks import OwnerAction, OwnerOrderCb


def report_pick(orders: Sequence[Order]) -> InlineKeyboardMarkup:
    """One button per open order of the owner: its number and car."""
    builder = InlineKeyboardBuilder()
    for order in orders:
        builder.button(
            text=texts.report_pick_button(order.number, order.plate),
            callback_data=OwnerOrderCb(action=OwnerAction.REPORT, order_id=order.id),
        )
    builder.adjust(1)
    return builder.as_markup()
