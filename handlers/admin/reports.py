"""/admin: protocols (of an order, general) and the user list."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message

import texts
from handlers.admin.menu import action, reply
from handlers.errors import answer_error
from handlers.filters import NOT_COMMAND, PLAIN_TEXT
from keyboards import admin as kb
from keyboards.callbacks import AdminAction
from services.admin import AdminTools, OrderNotFound, protocol_fits_message

router = Router(name=__name__)


class ProtocolDialog(StatesGroup):
    number = State()


# --- protocols --------------------------------------------------------------------------------------


@router.callback_query(action(AdminAction.ORDER_PROTOCOL))
async def ask_order(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(ProtocolDialog.number)
    await reply(callback, texts.ADMIN_ASK_ORDER, kb.cancel())


@router.message(StateFilter(ProtocolDialog.number), PLAIN_TEXT)
async def order_protocol(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    assert message.text is not None
    try:
        order, body = await admin_tools.order_protocol(message.text)
    except OrderNotFound as exc:  # the number is asked again
        await answer_error(message, exc, kb.cancel())
        return
    await state.clear()
    title = texts.order_protocol_title(order.number, order.is_open)
    await _send_protocol(message, title, body, f"recording_dialog_{order.number}.txt")


@router.message(StateFilter(ProtocolDialog.number), NOT_COMMAND)
async def order_again(message: Message) -> None:
    await message.answer(texts.ADMIN_ASK_ORDER, reply_markup=kb.cancel())


@router.callback_query(action(AdminAction.GENERAL_PROTOCOL))
async def general_protocol(callback: CallbackQuery, state: FSMContext, admin_tools: AdminTools) -> None:
    await state.clear()
    await callback.answer()
    body = await admin_tools.general_protocol()
    if isinstance(callback.message, Message):
        await _send_protocol(callback.message, texts.GENERAL_PROTOCOL_TITLE, body, "all_recording_dialog.txt")


async def _send_protocol(answer_to: Message, title: str, body: str, file_name: str) -> None:
    if not body:
        await answer_to.answer(texts.protocol_empty(title))
    elif protocol_fits_message(title, body):
        await answer_to.answer(texts.protocol_message(title, body))
    else:
        data = f"{title}\n\n{body}".encode()
        await answer_to.answer_document(BufferedInputFile(data, file_name), caption=texts.esc(title))


# --- user list --------------------------------------------------------------------------------------


@router.callback_query(action(AdminAction.USERS))
async def users_list(callback: CallbackQuery, state: FSMContext, admin_tools: AdminTools) -> None:
    await state.clear()
    await callback.answer()
    report = await admin_tools.users_report()
    if not isinstance(callback.message, Message):
        return
    await callback.message.answer(texts.users_summary(report.counts, report.total))
    document = BufferedInputFile(report.listing.encode(), "users.txt")
    await callback.message.answer_document(document, caption=texts.esc(texts.USERS_FILE_TITLE))
