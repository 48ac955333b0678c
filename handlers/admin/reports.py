"""/admin: protocols (of an order found by a part of its number, general) and the user list as a file."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

import texts
from database.orders import Order
from handlers.admin.dialog import NOT_TEXT_NOR_FILE, AdminMenu, action, callback_message, menu_open
from handlers.errors import answer_error
from handlers.filters import PLAIN_TEXT
from keyboards import admin as kb
from keyboards.callbacks import AdminAction, AdminOrderCb
from services.admin import AdminTools, OrderNotFound, protocol_fits_message

router = Router(name=__name__)


# --- protocols --------------------------------------------------------------------------------------


@router.callback_query(action(AdminAction.ORDER_PROTOCOL))
async def ask_order(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AdminMenu.protocol)
    await callback.answer()
    if message := callback_message(callback):
        await message.answer(texts.ADMIN_PROTOCOL_ASK, reply_markup=kb.menu_only())


@router.message(StateFilter(AdminMenu.protocol), PLAIN_TEXT)
async def find_protocol(message: Message, state: FSMContext, admin_tools: AdminTools) -> None:
    """One order found: its protocol; several: a list to pick from (the question stays open)."""
    assert message.text is not None
    try:
        found = await admin_tools.find_orders(message.text)
    except OrderNotFound as exc:  # the number is asked again
        await answer_error(message, exc, kb.menu_only())
        return
    if len(found) > 1:
        await message.answer(texts.ADMIN_PROTOCOLS_MANY, reply_markup=kb.orders_found(found))
        return
    await menu_open(state)
    order, body = await admin_tools.protocol_of(found[0].id)
    await _send_order_protocol(message, order, body)


@router.message(StateFilter(AdminMenu.protocol), NOT_TEXT_NOR_FILE)
async def order_again(message: Message) -> None:
    await message.answer(texts.ADMIN_PROTOCOL_ASK, reply_markup=kb.menu_only())


@router.callback_query(AdminOrderCb.filter())
async def picked_protocol(
    callback: CallbackQuery, callback_data: AdminOrderCb, state: FSMContext, admin_tools: AdminTools
) -> None:
    """From a list of found orders or a card; the id is checked (OrderNotFound is answered). The list
    stays for another pick; a typed text is a search again."""
    order, body = await admin_tools.protocol_of(callback_data.order_id)
    await menu_open(state)
    await callback.answer()
    if message := callback_message(callback):
        await _send_order_protocol(message, order, body)


async def _send_order_protocol(answer_to: Message, order: Order, body: str) -> None:
    title = texts.order_protocol_title(order.number, order.is_open)
    await _send_protocol(answer_to, title, body, f"recording_dialog_{order.number}.txt")


@router.callback_query(action(AdminAction.GENERAL_PROTOCOL))
async def general_protocol(callback: CallbackQuery, state: FSMContext, admin_tools: AdminTools) -> None:
    await menu_open(state)
    await callback.answer()
    body = await admin_tools.general_protocol()
    if message := callback_message(callback):
        await _send_protocol(message, texts.GENERAL_PROTOCOL_TITLE, body, "all_recording_dialog.txt")


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
    await menu_open(state)
    await callback.answer()
    report = await admin_tools.users_report()
    if not isinstance(callback.message, Message):
        return
    await callback.message.answer(texts.users_summary(report.counts, report.total))
    document = BufferedInputFile(report.listing.encode(), "users.txt")
    await callback.message.answer_document(document, caption=texts.esc(texts.USERS_FILE_TITLE))
