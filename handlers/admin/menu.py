"""/admin: the menu, finding a person (phone, part of a name, the list) and their card with every action
on it. After an action the card is edited in place and the menu stays open: the next typed text is a
new search. Staff registered in advance: handlers/admin/invites.py; protocols: reports.py.

The rules are services.admin.AdminTools; what a refusal is answered with is handlers/errors.py. The
admin role is checked for every message and button by the router (handlers/admin/__init__.py).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from database.users import Activity, Level, User
from handlers.admin.dialog import (
    NOT_TEXT_NOR_FILE,
    AdminMenu,
    action,
    callback_message,
    card_markup,
    card_text,
    edit_by_id,
    invite_text,
    menu_open,
    show,
)
from handlers.dialogs import leave_dialog
from handlers.errors import answer_error
from handlers.filters import PLAIN_TEXT
from keyboards import admin as kb
from keyboards.callbacks import AdminAction, AdminCb
from runtime.commands import sync_role
from runtime.outbox import Outbox
from services.admin import (
    AdminError,
    AdminTools,
    BadName,
    BadQuery,
    Found,
    NobodyFound,
    UserCard,
    UserNotFound,
)
from services.conversations import Conversations

router = Router(name=__name__)

_CARD_ERRORS = {UserNotFound: texts.ADMIN_CARD_GONE}  # a button's person is gone (or forged)


# --- menu and cancel ------------------------------------------------------------------------------


@router.message(Command("admin"))
async def show_menu(message: Message, state: FSMContext) -> None:
    await leave_dialog(state)
    await state.set_state(AdminMenu.find)
    await message.answer(texts.ADMIN_CARDS_MENU, reply_markup=kb.menu())


@router.callback_query(action(AdminAction.MENU))
async def back_to_menu(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AdminMenu.find)
    await callback.answer()
    if message := callback_message(callback):
        await show(message, texts.ADMIN_CARDS_MENU, kb.menu())


@router.callback_query(action(AdminAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await leave_dialog(state)
    await callback.answer()
    if message := callback_message(callback):
        await show(message, texts.ADMIN_MENU_CLOSED, None)


# --- finding a person -----------------------------------------------------------------------------


@router.message(StateFilter(AdminMenu.find), PLAIN_TEXT)
async def find(
    message: Message, state: FSMContext, user: User, admin_tools: AdminTools, conversations: Conversations
) -> None:
    assert message.text is not None
    try:
        found = await admin_tools.search(message.text)
    except (BadQuery, NobodyFound) as exc:  # the menu stays open
        # an admin is staff too: a text meant for the client of their order is not typed again
        if order := await conversations.hint_order(user):
            markup = kb.nobody_or_client(order.id, order.number)
            await message.reply(texts.admin_nobody_or_client(message.text, order.number), reply_markup=markup)
            return
        await answer_error(message, exc, kb.menu_only())
        return
    await state.update_data(query=message.text)
    await _show_found(message, state, admin_tools, found)


async def _show_found(message: Message, state: FSMContext, admin_tools: AdminTools, found: Found) -> None:
    if found.phone is not None:  # nobody connected with this phone: register in advance
        await state.update_data(invite_phone=found.phone)
        if found.invite is not None:
            await message.answer(
                invite_text(found.invite, False), reply_markup=kb.invite_card(found.invite, False)
            )
        else:
            await message.answer(texts.admin_not_connected(found.phone), reply_markup=kb.invite_new())
    elif len(found.users) == 1:
        card = await admin_tools.card(found.users[0].telegram_id)
        await message.answer(card_text(card), reply_markup=card_markup(card, 0))
    else:
        await message.answer(texts.ADMIN_FOUND_MANY, reply_markup=kb.search_results(found.users))


@router.message(StateFilter(AdminMenu.find), NOT_TEXT_NOR_FILE)
async def find_again(message: Message) -> None:
    await message.answer(texts.ADMIN_FIND_BAD, reply_markup=kb.menu_only())


# --- the list -------------------------------------------------------------------------------------


@router.callback_query(action(AdminAction.LIST, AdminAction.PAGE))
async def users_page(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    await menu_open(state)
    page = await admin_tools.page(callback_data.value if callback_data.action is AdminAction.PAGE else 0)
    if not page.users:
        await callback.answer(texts.ADMIN_NO_USERS, show_alert=True)
        return
    await callback.answer()
    if message := callback_message(callback):
        markup = kb.users_page(page.users, page.page, page.pages)
        await show(message, texts.admin_users_page(page.page, page.pages), markup)


@router.callback_query(action(AdminAction.BACK))
async def back_to_list(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    """To the list page the card came from, or (value 0) the results of the last search."""
    await menu_open(state)
    message = callback_message(callback)
    query = (await state.get_data()).get("query")
    if callback_data.value == 0 and isinstance(query, str) and message is not None:
        try:
            found = await admin_tools.search(query)
        except AdminError:
            found = None
        if found is not None and len(found.users) > 1:
            await callback.answer()
            await show(message, texts.ADMIN_FOUND_MANY, kb.search_results(found.users))
            return
    page = await admin_tools.page(max(0, callback_data.value - 1))
    await callback.answer()
    if message is not None:
        await show(
            message,
            texts.admin_users_page(page.page, page.pages),
            kb.users_page(page.users, page.page, page.pages),
        )


# --- the card -------------------------------------------------------------------------------------


async def _card_or_answer(callback: CallbackQuery, admin_tools: AdminTools, user_id: int) -> UserCard | None:
    """The person's card with the button answered, or None once the admin is told they are gone."""
    try:
        card = await admin_tools.card(user_id)
    except UserNotFound as exc:
        await answer_error(callback, exc, overrides=_CARD_ERRORS)
        return None
    await callback.answer()
    return card


@router.callback_query(action(AdminAction.PICK, AdminAction.CARD))
async def open_card(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    await menu_open(state)
    card = await _card_or_answer(callback, admin_tools, callback_data.user_id)
    if card is None:
        return
    if message := callback_message(callback):
        await show(message, card_text(card), card_markup(card, callback_data.value))


@router.callback_query(action(AdminAction.LEVEL))
async def choose_level(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    await menu_open(state)
    card = await _card_or_answer(callback, admin_tools, callback_data.user_id)
    if card is None:
        return
    if message := callback_message(callback):
        markup = kb.card_levels(card.user, callback_data.value)
        await show(message, texts.admin_card_choose_level(card_text(card)), markup)


@router.callback_query(action(AdminAction.SET_LEVEL, AdminAction.SET_ACTIVITY))
async def set_level_or_activity(
    callback: CallbackQuery,
    callback_data: AdminCb,
    state: FSMContext,
    admin_tools: AdminTools,
    bot: Bot,
    outbox: Outbox,
) -> None:
    """A level or activity button on a card: changed, the card shows the new value, the person is told
    (their new role, or that access is blocked) along with their new command menu."""
    await menu_open(state)
    value, uid = callback_data.value, callback_data.user_id
    if callback_data.action is AdminAction.SET_LEVEL:
        if value not in set(Level):
            await callback.answer(texts.ADMIN_FORGED_BUTTON, show_alert=True)
            return
        before = await _user_or_answer(callback, admin_tools, uid)
        if before is None:
            return
        target = await admin_tools.set_level(uid, Level(value))
        said = texts.admin_saved_level(target.level)
    else:
        if value not in set(Activity):
            await callback.answer(texts.ADMIN_FORGED_BUTTON, show_alert=True)
            return
        before = await _user_or_answer(callback, admin_tools, uid)
        if before is None:
            return
        target = await admin_tools.set_activity(uid, Activity(value))
        said = texts.admin_saved_activity(int(target.activity))
    await callback.answer()
    back = 0
    if message := callback_message(callback):
        back = _back_of(message)
        card = await admin_tools.card(uid)
        await show(message, texts.admin_card_saved(card_text(card), said), card_markup(card, back))
    if (before.level, before.activity) != (target.level, target.activity):
        notice = texts.role_changed_notice(target.level) if target.is_active else texts.ACCESS_BLOCKED
        await sync_role(bot, state.storage, outbox, target, notice)


async def _user_or_answer(callback: CallbackQuery, admin_tools: AdminTools, telegram_id: int) -> User | None:
    try:
        return await admin_tools.get(telegram_id)
    except UserNotFound as exc:
        await answer_error(callback, exc, overrides=_CARD_ERRORS)
        return None


def _back_of(message: Message) -> int:
    """Where the card's "◀️ К списку" leads: kept in the buttons of the card itself (level and activity
    buttons carry their value instead)."""
    markup = message.reply_markup
    for button in (b for row in (markup.inline_keyboard if markup else []) for b in row):
        try:
            data = AdminCb.unpack(button.callback_data or "")
        except (TypeError, ValueError):  # another kind of button
            continue
        if data.action in {AdminAction.BACK, AdminAction.CARD, AdminAction.LEVEL}:
            return data.value
    return 0


@router.callback_query(action(AdminAction.NAME))
async def ask_name(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    card = await _card_or_answer(callback, admin_tools, callback_data.user_id)
    if card is None:
        return
    message = callback_message(callback)
    if message is None:
        return
    await state.set_state(AdminMenu.name)
    await state.update_data(user_id=card.user.telegram_id, card=message.message_id, back=callback_data.value)
    markup = kb.back_to_card(card.user.telegram_id, callback_data.value)
    await show(message, f"{card_text(card)}\n\n{texts.ADMIN_CARD_ASK_NAME}", markup)


@router.message(StateFilter(AdminMenu.name), PLAIN_TEXT)
async def set_name(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    assert message.text is not None
    data = await state.get_data()
    uid, back = int(data.get("user_id") or 0), int(data.get("back") or 0)
    try:
        await admin_tools.set_name(uid, message.text)
    except BadName as exc:  # the name is asked again
        await answer_error(message, exc, kb.back_to_card(uid, back))
        return
    except UserNotFound as exc:
        await menu_open(state)
        await answer_error(message, exc, kb.menu_only(), overrides=_CARD_ERRORS)
        return
    await menu_open(state)
    card = await admin_tools.card(uid)
    text = texts.admin_card_saved(card_text(card), texts.admin_saved_name(card.user.name or ""))
    await edit_by_id(message, data.get("card"), text, card_markup(card, back))


@router.message(StateFilter(AdminMenu.name), NOT_TEXT_NOR_FILE)
async def name_again(message: Message) -> None:
    await message.answer(texts.ADMIN_BAD_NAME)
