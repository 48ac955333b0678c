"""Inline keyboards of the admin menu: the menu, user lists, the user card, staff registered in advance,
found orders."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from database.orders import Order
from database.staff_invites import StaffInvite
from database.users import Activity, Level, User
from keyboards.callbacks import (
    AdminAction,
    AdminCb,
    AdminInviteCb,
    AdminOrderCb,
    AdminTemplateCb,
    InviteAction,
)
from keyboards.conversations import send_to_client
from services.admin import INVITE_LEVELS

B = texts.ADMIN_CARD_BUTTONS


def _button(text: str, action: AdminAction, user_id: int = 0, value: int = 0) -> InlineKeyboardButton:
    data = AdminCb(action=action, user_id=user_id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _invite_button(
    text: str, action: InviteAction, invite_id: int = 0, value: int = 0
) -> InlineKeyboardButton:
    data = AdminInviteCb(action=action, invite_id=invite_id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _order_button(text: str, order_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text[:60], callback_data=AdminOrderCb(order_id=order_id).pack())


def _protocol_button(order: Order) -> InlineKeyboardButton:
    return _order_button(texts.admin_protocol_button(order.number, order.is_open), order.id)


def _cancel_row() -> list[InlineKeyboardButton]:
    return [_button(texts.CANCEL_BUTTON, AdminAction.CANCEL)]


def _menu_row() -> list[InlineKeyboardButton]:
    return [_button(B["menu"], AdminAction.MENU)]


def menu() -> InlineKeyboardMarkup:
    items = [
        (B["list"], AdminAction.LIST),
        (B["order_protocol"], AdminAction.ORDER_PROTOCOL),
        (B["general_protocol"], AdminAction.GENERAL_PROTOCOL),
        (B["export"], AdminAction.USERS),
        (B["close"], AdminAction.CANCEL),
    ]
    rows = [[_button(text, action)] for text, action in items]
    templates = InlineKeyboardButton(
        text=texts.ADMIN_TEMPLATES_BUTTON, callback_data=AdminTemplateCb().pack()
    )
    rows.insert(-1, [templates])  # the owner's messages per status (handlers/admin/templates.py)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_cancel_row()])


def found_users(users: list[User], back: int) -> list[list[InlineKeyboardButton]]:
    """A button per person; `back` is where their card's "◀️ К списку" returns (see AdminAction.PICK)."""
    return [
        [
            _button(
                texts.admin_found_button(u.name, u.tg_name, u.phone, u.level),
                AdminAction.PICK,
                user_id=u.telegram_id,
                value=back,
            )
        ]
        for u in users
    ]


def search_results(users: list[User]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[*found_users(users, 0), _menu_row()])


def users_page(users: list[User], page: int, pages: int) -> InlineKeyboardMarkup:
    rows = found_users(users, page + 1)
    nav = []
    if page > 0:
        nav.append(_button(texts.ADMIN_PREV, AdminAction.PAGE, value=page - 1))
    if page + 1 < pages:
        nav.append(_button(texts.ADMIN_NEXT, AdminAction.PAGE, value=page + 1))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _menu_row()])


def card(user: User, back: int, latest: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """Every action on a person: level, name, blocking, the protocols of their latest orders, back."""
    uid = user.telegram_id
    if user.is_active:
        toggle = _button(B["block"], AdminAction.SET_ACTIVITY, uid, int(Activity.INACTIVE))
    else:
        toggle = _button(B["unblock"], AdminAction.SET_ACTIVITY, uid, int(Activity.ACTIVE))
    rows = [
        [_button(B["level"], AdminAction.LEVEL, uid, back), _button(B["name"], AdminAction.NAME, uid, back)],
        [toggle],
        *([_order_button(texts.admin_card_protocol_button(number), order_id)] for order_id, number in latest),
        [_button(B["back_list"], AdminAction.BACK, value=back), *_menu_row()],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def card_levels(user: User, back: int) -> InlineKeyboardMarkup:
    uid = user.telegram_id
    rows = [
        [_button(texts.admin_card_level_button(lv, lv is user.level), AdminAction.SET_LEVEL, uid, int(lv))]
        for lv in (Level.EMPLOYEE, Level.CARE, Level.ADMIN, Level.CLIENT)
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[*rows, [_button(B["back_card"], AdminAction.CARD, uid, back)]]
    )


def back_to_card(user_id: int, back: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(B["back_card"], AdminAction.CARD, user_id, back)]])


def orders_found(orders: list[Order]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[*([_protocol_button(o)] for o in orders), _menu_row()])


# --- staff registered in advance --------------------------------------------------------------------


def invite_new() -> InlineKeyboardMarkup:
    rows = [
        [_invite_button(texts.admin_invite_level_button(lv), InviteAction.NEW, value=int(lv))]
        for lv in INVITE_LEVELS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _menu_row()])


def invite_card(invite: StaffInvite, asking_name: bool) -> InlineKeyboardMarkup:
    iid = invite.id
    if asking_name:
        return InlineKeyboardMarkup(
            inline_keyboard=[[_invite_button(B["no_name"], InviteAction.NO_NAME, iid)]]
        )
    rows = [
        [
            _invite_button(B["level"], InviteAction.LEVELS, iid),
            _invite_button(B["name"], InviteAction.NAME, iid),
        ],
        [_invite_button(B["drop_invite"], InviteAction.DROP, iid)],
        _menu_row(),
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def invite_levels(invite: StaffInvite) -> InlineKeyboardMarkup:
    rows = [
        [
            _invite_button(
                texts.admin_card_level_button(lv, int(lv) == invite.level),
                InviteAction.LEVEL,
                invite.id,
                int(lv),
            )
        ]
        for lv in INVITE_LEVELS
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[*rows, [_invite_button(B["back_card"], InviteAction.CARD, invite.id)]]
    )


def nobody_or_client(order_id: int, number: str) -> InlineKeyboardMarkup:
    """Nobody found by an admin's text while an order's client is at hand: send that text after all
    (the employee's hint button, handlers/employee/chat.py), or back to the menu."""
    send = send_to_client(order_id, number).inline_keyboard
    return InlineKeyboardMarkup(inline_keyboard=[*send, _menu_row()])


def menu_only() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_menu_row()])
