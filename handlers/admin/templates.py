"""The admin menu's "📝 Сообщения о статусах": the owner's message per order status, seen and edited
in the bot (the same status_messages.txt the dealer may edit by hand; services/inspection/
status_templates.py checks and writes it). Pick a status, its text is shown, the next typed text
replaces it (checked as the file is), a preview with sample values follows. Admins only (the router's
filter, handlers/admin/__init__.py)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from config import Settings
from handlers.admin.dialog import NOT_TEXT_NOR_FILE, AdminMenu, callback_message, menu_open, show
from handlers.filters import PLAIN_TEXT
from keyboards import admin as admin_kb
from keyboards import admin_templates as kb
from keyboards.callbacks import AdminTemplateCb
from services.inspection.status_templates import render
from services.inspection.statuses import StatusService

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.callback_query(AdminTemplateCb.filter(~F.pick))
async def choose_status(callback: CallbackQuery, state: FSMContext, statuses: StatusService) -> None:
    await menu_open(state)
    await callback.answer()
    if message := callback_message(callback):
        await show(message, texts.ADMIN_TEMPLATES_CHOOSE, kb.statuses(statuses.statuses))


@router.callback_query(AdminTemplateCb.filter(F.pick))
async def status_picked(
    callback: CallbackQuery, callback_data: AdminTemplateCb, state: FSMContext, statuses: StatusService
) -> None:
    labels = statuses.statuses
    keys = list(labels)
    if callback_data.index >= len(keys):  # forged, or ORDER_STATUSES shrank since the list was shown
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    key = keys[callback_data.index]
    current = await statuses.templates.template(key)
    await state.set_state(AdminMenu.template)
    await state.update_data(status=key)
    await callback.answer()
    if message := callback_message(callback):
        await show(message, texts.admin_template_shown(labels[key], current), kb.back())


@router.message(StateFilter(AdminMenu.template), PLAIN_TEXT)
async def template_typed(
    message: Message, state: FSMContext, statuses: StatusService, settings: Settings
) -> None:
    assert message.text is not None
    key = (await state.get_data()).get("status")
    labels = statuses.statuses
    if not isinstance(key, str) or key not in labels:  # ORDER_STATUSES changed under the dialog
        await menu_open(state)
        await message.answer(texts.BUTTON_STALE, reply_markup=admin_kb.menu_only())
        return
    why = await statuses.templates.save(key, message.text)
    if why is not None:  # asked again; the text stays in the chat to copy from
        log.info("Status message [%s] from admin %s refused: %s", key, message.chat.id, why)
        await message.reply(texts.ADMIN_TEMPLATE_BAD, reply_markup=kb.back())
        return
    await menu_open(state)
    values = {
        **texts.ADMIN_TEMPLATE_SAMPLE,
        "status": labels[key],
        "organization": settings.organization_name,
    }
    preview = render(await statuses.templates.template(key), values)
    await message.answer(texts.admin_template_saved(labels[key], preview), reply_markup=kb.back())


@router.message(StateFilter(AdminMenu.template), NOT_TEXT_NOR_FILE)
async def template_not_text(message: Message) -> None:
    await message.answer(texts.ADMIN_TEMPLATE_TEXT_ONLY)
