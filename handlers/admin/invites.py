"""Staff registered in advance by phone: the admin typed a phone nobody connected with (handlers/admin/
menu.py offers the levels), taps a level and types the name; when the person shares their contact the
level and name are applied (services/registration.py) and the admin is told.

The phone stays in the dialog's data, never in a button; a registration's buttons carry its id only.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from database.staff_invites import StaffInvite
from handlers.admin.dialog import (
    NOT_TEXT_NOR_FILE,
    AdminMenu,
    callback_message,
    edit_by_id,
    invite_text,
    menu_open,
    show,
)
from handlers.errors import answer_error
from handlers.filters import PLAIN_TEXT
from keyboards import admin as kb
from keyboards.callbacks import AdminInviteCb, InviteAction
from services.admin import INVITE_LEVELS, AdminError, AdminTools, BadName, InviteGone, PhoneConnected

router = Router(name=__name__)

_ERRORS = {
    InviteGone: texts.ADMIN_INVITE_GONE,
    PhoneConnected: texts.ADMIN_INVITE_CONNECTED,
}


def invite_action(*actions: InviteAction):  # a callback-data filter
    return AdminInviteCb.filter(F.action.in_(set(actions)))


async def _ask_name(message: Message, state: FSMContext, invite: StaffInvite) -> None:
    await state.set_state(AdminMenu.invite_name)
    await state.update_data(invite_id=invite.id, card=message.message_id)
    await show(message, invite_text(invite, True), kb.invite_card(invite, True))


@router.callback_query(invite_action(InviteAction.NEW))
async def register(
    callback: CallbackQuery, callback_data: AdminInviteCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    """A level for the phone just typed: registered, and its name is asked on the same message."""
    phone = (await state.get_data()).get("invite_phone")
    if callback_data.value not in {int(level) for level in INVITE_LEVELS}:
        await callback.answer(texts.ADMIN_FORGED_BUTTON, show_alert=True)
        return
    if not isinstance(phone, str):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    try:
        invite = await admin_tools.invite(phone, callback_data.value, callback.from_user.id)
    except AdminError as exc:
        await answer_error(callback, exc, overrides=_ERRORS)
        return
    await callback.answer()
    if message := callback_message(callback):
        await _ask_name(message, state, invite)


@router.callback_query(
    invite_action(InviteAction.CARD, InviteAction.LEVELS, InviteAction.NAME, InviteAction.NO_NAME)
)
async def invite_card(
    callback: CallbackQuery, callback_data: AdminInviteCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    try:
        invite = await admin_tools.get_invite(callback_data.invite_id)
    except AdminError as exc:
        await answer_error(callback, exc, overrides=_ERRORS)
        return
    await callback.answer()
    message = callback_message(callback)
    if message is None:
        return
    if callback_data.action is InviteAction.NAME:
        await _ask_name(message, state, invite)
        return
    await menu_open(state)
    if callback_data.action is InviteAction.LEVELS:
        await show(message, invite_text(invite, False), kb.invite_levels(invite))
    else:
        await show(message, invite_text(invite, False), kb.invite_card(invite, False))


@router.callback_query(invite_action(InviteAction.LEVEL))
async def invite_level(
    callback: CallbackQuery, callback_data: AdminInviteCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    await menu_open(state)
    if callback_data.value not in {int(level) for level in INVITE_LEVELS}:
        await callback.answer(texts.ADMIN_FORGED_BUTTON, show_alert=True)
        return
    try:
        invite = await admin_tools.set_invite_level(
            callback_data.invite_id, callback_data.value, callback.from_user.id
        )
    except AdminError as exc:
        await answer_error(callback, exc, overrides=_ERRORS)
        return
    await callback.answer()
    if message := callback_message(callback):
        await show(message, invite_text(invite, False), kb.invite_card(invite, False))


@router.callback_query(invite_action(InviteAction.DROP))
async def invite_drop(
    callback: CallbackQuery, callback_data: AdminInviteCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    await menu_open(state)
    try:
        invite = await admin_tools.drop_invite(callback_data.invite_id)
    except AdminError as exc:
        await answer_error(callback, exc, overrides=_ERRORS)
        return
    await callback.answer()
    if message := callback_message(callback):
        await show(message, texts.admin_invite_dropped(invite.phone), kb.menu_only())


@router.message(StateFilter(AdminMenu.invite_name), PLAIN_TEXT)
async def invite_name(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    assert message.text is not None
    data = await state.get_data()
    try:
        invite = await admin_tools.set_invite_name(int(data.get("invite_id") or 0), message.text)
    except BadName as exc:  # asked again
        await answer_error(message, exc)
        return
    except AdminError as exc:
        await menu_open(state)
        await answer_error(message, exc, kb.menu_only(), overrides=_ERRORS)
        return
    await menu_open(state)
    await edit_by_id(message, data.get("card"), invite_text(invite, False), kb.invite_card(invite, False))


@router.message(StateFilter(AdminMenu.invite_name), NOT_TEXT_NOR_FILE)
async def invite_name_again(message: Message) -> None:
    await message.answer(texts.ADMIN_BAD_NAME)
