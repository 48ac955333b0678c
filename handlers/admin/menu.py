"""/admin: the menu and the levels, names and activity of users (protocols and the user list:
handlers/admin/reports.py).

The rules are services.admin.AdminTools; what a refusal is answered with is handlers/errors.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import TypeVar

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

import texts
from database.users import Activity, Level, User
from handlers.errors import answer_error
from handlers.filters import NOT_COMMAND, PLAIN_TEXT
from keyboards import admin as kb
from keyboards.callbacks import AdminAction, AdminCb
from runtime.commands import sync_role
from runtime.outbox import Outbox
from services.admin import AdminError, AdminTools, BadName, UserNotFound

router = Router(name=__name__)
Choice = TypeVar("Choice", bound=IntEnum)  # Level or Activity


class LevelDialog(StatesGroup):
    user = State()
    level = State()


class NameDialog(StatesGroup):
    user = State()
    name = State()


class ActivityDialog(StatesGroup):
    user = State()
    activity = State()


USER_STEPS = (LevelDialog.user, NameDialog.user, ActivityDialog.user)
_STARTS = {
    AdminAction.LEVEL: LevelDialog.user,
    AdminAction.NAME: NameDialog.user,
    AdminAction.ACTIVITY: ActivityDialog.user,
}


def action(*actions: AdminAction):  # a callback-data filter
    return AdminCb.filter(F.action.in_(set(actions)))


async def reply(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(text, reply_markup=markup)


# --- menu and cancel ------------------------------------------------------------------------------


@router.message(Command("admin"))
async def show_menu(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.ADMIN_MENU, reply_markup=kb.menu())


@router.callback_query(action(AdminAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.CANCELLED)


# --- choosing a user (level / name / activity) -----------------------------------------------------


@router.callback_query(action(*_STARTS))
async def start_user_dialog(callback: CallbackQuery, callback_data: AdminCb, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(_STARTS[callback_data.action])
    await reply(callback, texts.ADMIN_ASK_USER, kb.ask_user())


@router.callback_query(StateFilter(*USER_STEPS), action(AdminAction.PAGE))
async def users_page(callback: CallbackQuery, callback_data: AdminCb, admin_tools: AdminTools) -> None:
    page = await admin_tools.page(callback_data.value)
    if not page.users:
        await callback.answer(texts.ADMIN_NO_USERS, show_alert=True)
        return
    markup = kb.users_page(page.users, page.page, page.pages)
    text = texts.admin_users_page(page.page, page.pages)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(text, reply_markup=markup)


@router.message(StateFilter(*USER_STEPS), PLAIN_TEXT)
async def user_by_phone(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    assert message.text is not None
    try:
        found = await admin_tools.find_by_phone(message.text)
    except AdminError as exc:  # a bad phone, nobody with it: the question stays
        await answer_error(message, exc, kb.ask_user())
        return
    if len(found) > 1:
        await message.answer(texts.admin_users_page(0, 1), reply_markup=kb.users_page(found, 0, 1))
        return
    await _user_chosen(message, state, found[0])


@router.callback_query(StateFilter(*USER_STEPS), action(AdminAction.PICK))
async def user_picked(
    callback: CallbackQuery, callback_data: AdminCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    target = await admin_tools.get(callback_data.user_id)
    await callback.answer()
    if isinstance(callback.message, Message):
        await _user_chosen(callback.message, state, target)


@router.message(StateFilter(*USER_STEPS), NOT_COMMAND)
async def user_again(message: Message) -> None:
    await message.answer(texts.ADMIN_ASK_USER, reply_markup=kb.ask_user())


async def _user_chosen(answer_to: Message, state: FSMContext, target: User) -> None:
    step = await state.get_state()
    await state.update_data(user_id=target.telegram_id)
    card = texts.admin_user_card(target.name, target.tg_name, target.phone, target.level, target.activity)
    if step == LevelDialog.user.state:
        await state.set_state(LevelDialog.level)
        markup = kb.levels(target.telegram_id)
        await answer_to.answer(f"{card}\n\n{texts.ADMIN_CHOOSE_LEVEL}", reply_markup=markup)
    elif step == NameDialog.user.state:
        await state.set_state(NameDialog.name)
        await answer_to.answer(f"{card}\n\n{texts.ADMIN_ASK_NAME}", reply_markup=kb.cancel())
    else:
        await state.set_state(ActivityDialog.activity)
        markup = kb.activities(target.telegram_id)
        await answer_to.answer(f"{card}\n\n{texts.ADMIN_CHOOSE_ACTIVITY}", reply_markup=markup)


async def _chosen_id(state: FSMContext, callback_data: AdminCb | None = None) -> int | None:
    """The user chosen in this dialog; a button for someone else (an older message) is stale."""
    chosen = (await state.get_data()).get("user_id")
    if chosen is None or (callback_data is not None and callback_data.user_id != chosen):
        return None
    return int(chosen)


async def _apply(state: FSMContext, change: Awaitable[User]) -> User:
    """Run a level or activity change: the dialog ends, unless the last admin was to lose their level
    (LastAdmin: another choice may do). Refusals are answered by handlers/errors.py."""
    try:
        target = await change
    except UserNotFound:
        await state.clear()
        raise
    await state.clear()
    return target


async def _set_user(
    callback: CallbackQuery,
    callback_data: AdminCb,
    state: FSMContext,
    bot: Bot,
    outbox: Outbox,
    kind: type[Choice],
    change: Callable[[int, Choice], Awaitable[User]],
    said: Callable[[str, Choice], str],
) -> None:
    """A level or activity button: the chosen user is changed, the admin is told (`said`), and so is the
    user (their new role, or that access is blocked) along with their new command menu."""
    target_id = await _chosen_id(state, callback_data)
    if target_id is None or callback_data.value not in set(kind):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    value = kind(callback_data.value)
    target = await _apply(state, change(target_id, value))
    await reply(callback, said(target.display_name, value))
    notice = texts.role_changed_notice(target.level) if target.is_active else texts.ACCESS_BLOCKED
    await sync_role(bot, state.storage, outbox, target, notice)


# --- level ------------------------------------------------------------------------------------------


@router.callback_query(StateFilter(LevelDialog.level), action(AdminAction.SET_LEVEL))
async def set_level(
    callback: CallbackQuery,
    callback_data: AdminCb,
    state: FSMContext,
    admin_tools: AdminTools,
    bot: Bot,
    outbox: Outbox,
) -> None:
    await _set_user(
        callback, callback_data, state, bot, outbox, Level, admin_tools.set_level, texts.admin_level_set
    )


@router.message(StateFilter(LevelDialog.level), NOT_COMMAND)
async def level_again(message: Message, state: FSMContext) -> None:
    target_id = await _chosen_id(state)
    await message.answer(texts.ADMIN_PRESS_BUTTON, reply_markup=kb.levels(target_id or 0))


# --- name -------------------------------------------------------------------------------------------


@router.message(StateFilter(NameDialog.name), PLAIN_TEXT)
async def set_name(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    assert message.text is not None
    target_id = await _chosen_id(state)
    if target_id is None:
        await state.clear()
        await message.answer(texts.BUTTON_STALE)
        return
    try:
        target = await admin_tools.set_name(target_id, message.text)
    except BadName as exc:  # the name is asked again
        await answer_error(message, exc, kb.cancel())
        return
    except UserNotFound:
        await state.clear()
        raise
    await state.clear()
    await message.answer(texts.admin_name_set(target.phone, target.name or ""))


@router.message(StateFilter(NameDialog.name), NOT_COMMAND)
async def name_again(message: Message) -> None:
    await message.answer(texts.ADMIN_BAD_NAME, reply_markup=kb.cancel())


# --- activity ---------------------------------------------------------------------------------------


@router.callback_query(StateFilter(ActivityDialog.activity), action(AdminAction.SET_ACTIVITY))
async def set_activity(
    callback: CallbackQuery,
    callback_data: AdminCb,
    state: FSMContext,
    admin_tools: AdminTools,
    bot: Bot,
    outbox: Outbox,
) -> None:
    change, said = admin_tools.set_activity, texts.admin_activity_set
    await _set_user(callback, callback_data, state, bot, outbox, Activity, change, said)


@router.message(StateFilter(ActivityDialog.activity), NOT_COMMAND)
async def activity_again(message: Message, state: FSMContext) -> None:
    target_id = await _chosen_id(state)
    await message.answer(texts.ADMIN_PRESS_BUTTON, reply_markup=kb.activities(target_id or 0))


# --- anything else: a button of a dialog that is over ----------------------------------------------


@router.callback_query(AdminCb.filter())
async def stale_button(callback: CallbackQuery) -> None:
    await callback.answer(texts.BUTTON_STALE, show_alert=True)
