"""The reply keyboard under the input field, by role."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

import texts
from database.users import Level


def main_menu(level: Level) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    if level is Level.CLIENT:
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=texts.CARE_BUTTON)],
                [KeyboardButton(text=texts.MY_ORDERS_BUTTON), KeyboardButton(text=texts.REPORT_BUTTON)],
            ],
            resize_keyboard=True,
            is_persistent=True,
        )
    return ReplyKeyboardRemove()
