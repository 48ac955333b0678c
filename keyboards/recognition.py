"""Keyboards of the barcode / plate search in /order: what to do when nothing was found."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

import texts
from keyboards.callbacks import OrderAction, OrderCb


def other_ways(retry: OrderAction | None) -> InlineKeyboardMarkup:
    """Try again (`retry`: BARCODE or PLATE; None when recognition is unavailable), type, calendar."""
    builder = InlineKeyboardBuilder()
    if retry is not None:
        builder.button(text=texts.RECOGNITION_RETRY_BUTTON, callback_data=OrderCb(action=retry))
    builder.button(text=texts.RECOGNITION_TYPE_BUTTON, callback_data=OrderCb(action=OrderAction.TYPED))
    builder.button(text=texts.RECOGNITION_CALENDAR_BUTTON, callback_data=OrderCb(action=OrderAction.CALENDAR))
    builder.adjust(1)
    return builder.as_markup()
