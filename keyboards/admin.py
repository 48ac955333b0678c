"""Inline keyboards of the admin menu."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from database.users import Activity, Level, User
from keyboards.callbacks import AdminAction, AdminCb


def _button(text: str, action: AdminAction, user_id: int = 0, value: int = 0) -> InlineKeyboardButton:
    data = AdminCb(action=action, user_id=user_id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _cancel_row() -> list[InlineKeyboardButton]:
    return [_button(texts.CANCEL_BUTTON, AdminAction.CANCEL)]


def menu() -> InlineKeyboardMarkup:
    items = [
        (texts.ADMIN_BUTTONS["level"], AdminAction.LEVEL),
        (texts.ADMIN_BUTTONS["name"], AdminAction.NAME),
        (texts.ADMIN_BUTTONS["activity"], AdminAction.ACTIVITY),
        (texts.ADMIN_BUTTONS["order_protocol"], AdminAction.ORDER_PROTOCOL),
        (texts.ADMIN_BUTTONS["general_protocol"], AdminAction.GENERAL_PROTOCOL),
        (texts.ADMIN_BUTTONS["users"], AdminAction.USERS),
    ]
    rows = [[_button(text, action)] for text, action in items]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _cancel_row()])


def cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_cancel_row()])


def ask_user() -> InlineKeyboardMarkup:
    """The first step of a user dialog: type a phone, or open the list."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(texts.ADMIN_BUTTONS["users"], AdminAction.PAGE, value=0)], _cancel_row()]
    )


def users_page(users: list[User], page: int, pages: int) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                texts.user_line(u.name, u.tg_name, u.phone, int(u.level), int(u.activity))[:60],
                AdminAction.PICK,
                user_id=u.telegram_id,
            )
        ]
        for u in users
    ]
    nav = []
    if page > 0:
        nav.append(_button(texts.ADMIN_PREV, AdminAction.PAGE, value=page - 1))
    if page + 1 < pages:
        nav.append(_button(texts.ADMIN_NEXT, AdminAction.PAGE, value=page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _cancel_row()])


def levels(user_id: int) -> InlineKeyboardMarkup:
    rows = [[_button(texts.level_button(lv), AdminAction.SET_LEVEL, user_id, int(lv))] for lv in Level]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _cancel_row()])


def activities(user_id: int) -> InlineKeyboardMarkup:
    rows = [
        [_button(texts.activity_button(int(a)), AdminAction.SET_ACTIVITY, user_id, int(a))] for a in Activity
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _cancel_row()])
