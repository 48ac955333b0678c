"""The admin menu's status messages (handlers/admin/templates.py); its button in the menu: admin.menu()."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from keyboards.admin import menu_only
from keyboards.callbacks import AdminTemplateCb


def statuses(labels: Mapping[str, str]) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=label, callback_data=AdminTemplateCb(pick=True, index=index).pack())]
        for index, label in enumerate(labels.values())
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *menu_only().inline_keyboard])


def back() -> InlineKeyboardMarkup:
    """Under a template shown or saved: the other statuses, the menu."""
    to_list = InlineKeyboardButton(text=texts.ADMIN_TEMPLATES_BACK, callback_data=AdminTemplateCb().pack())
    return InlineKeyboardMarkup(inline_keyboard=[[to_list], *menu_only().inline_keyboard])
