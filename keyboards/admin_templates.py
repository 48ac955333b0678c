"""The admin menu's status messages (handlers/admin/templates.py)."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from keyboards.callbacks import AdminAction, AdminCb, AdminTemplateCb


def _menu_row() -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=texts.ADMIN_CARD_BUTTONS["menu"], callback_data=AdminCb(action=AdminAction.MENU).pack()
        )
    ]


def menu_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=texts.ADMIN_TEMPLATES_BUTTON, callback_data=AdminTemplateCb().pack())


def statuses(labels: Mapping[str, str]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=label, callback_data=AdminTemplateCb(pick=True, index=index).pack())]
        for index, label in enumerate(labels.values())
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _menu_row()])


def back() -> InlineKeyboardMarkup:
    """Under a template shown or saved: the other statuses, the menu."""
    to_list = InlineKeyboardButton(text=texts.ADMIN_TEMPLATES_BACK, callback_data=AdminTemplateCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[to_list], _menu_row()])
