"""/order and /type: choose the work order (calendar, part of its number) and the stage.

The choice lives in SQLite (WorkRepo) and in a message pinned at the top of the chat, so it
survives restarts. `open_order()` is what choosing an order does, for other features to reuse.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_calendar.schemas import SimpleCalAct

import texts
from config import Settings
from database.orders import Order, OrderRepo
from database.users import User
from database.work import WorkRepo
from handlers.employee.media import answer_outcome, file_fetcher
from handlers.filters import FILE, NOT_COMMAND, PLAIN_TEXT
from keyboards import orders as kb
from keyboards.callbacks import OrderAction, OrderCalendarCb, OrderCb
from runtime.telegram_files import incoming_file
from services.media import MediaService
from services.orders.index import OrderIndex

log = logging.getLogger(__name__)
router = Router(name=__name__)

SEARCH_LIMIT = 20


class OrderSearch(StatesGroup):
    number = State()  # waiting for part of an order number
    barcode = State()  # waiting for a photo of the barcode (handlers/employee/recognition.py)
    plate = State()  # waiting for a photo of the car's plate (handlers/employee/recognition.py)
    typed = State()  # waiting for a typed plate or part of a number (handlers/employee/recognition.py)


async def open_order(
    bot: Bot, chat_id: int, staff: User, order: Order, work: WorkRepo, settings: Settings
) -> None:
    """Make `order` the staff member's current order: pin it, warn about missing client data,
    offer the stages. The stage is reset: it is chosen again for the new order. The employee is
    now in the order's chat: what they type goes to its client (handlers/employee/chat.py)."""
    await work.set_order(staff.telegram_id, order.id)
    await _pin(bot, chat_id, staff.telegram_id, work, texts.pin_text(order.number, None))
    if not order.data_ok:
        await bot.send_message(chat_id, texts.order_no_client_data(order.number))
    await bot.send_message(
        chat_id, texts.order_opened_prompt(order.number), reply_markup=kb.type_choice(order, settings)
    )


async def leave_chat(staff: User, work: WorkRepo) -> None:
    """Looking for another order: what is typed now is not for the current order's client."""
    await work.set_chatting(staff.telegram_id, False)


async def show_found_orders(
    bot: Bot,
    chat_id: int,
    staff: User,
    found: Sequence[Order],
    query: str,
    work: WorkRepo,
    settings: Settings,
) -> None:
    """For barcode / plate recognition: one open order is opened at once, several are listed."""
    found = [order for order in found if order.is_open]
    if len(found) == 1:
        await open_order(bot, chat_id, staff, found[0], work, settings)
    elif found:
        await bot.send_message(
            chat_id, texts.order_search_found(query, len(found)), reply_markup=kb.order_list(found)
        )
    else:
        await bot.send_message(chat_id, texts.order_search_none(query))


async def _pin(bot: Bot, chat_id: int, staff_id: int, work: WorkRepo, text: str) -> None:
    """Replace the pinned order/stage message: pin the new one, then unpin the old one."""
    context = await work.get(staff_id)
    old = context.pin_message_id if context else None
    try:
        sent = await bot.send_message(chat_id, text, disable_notification=True)
        await bot.pin_chat_message(chat_id, sent.message_id, disable_notification=True)
    except TelegramBadRequest as exc:
        log.warning("Could not pin the order message in chat %s: %s", chat_id, exc.message)
        await bot.send_message(chat_id, texts.PIN_FAILED)
        return
    await work.set_pin(staff_id, sent.message_id)
    if old is not None and old != sent.message_id:
        try:
            await bot.unpin_chat_message(chat_id, message_id=old)
        except TelegramBadRequest as exc:  # deleted by the user meanwhile: nothing to unpin
            log.info("Old pin %s in chat %s not unpinned: %s", old, chat_id, exc.message)


async def _leave_search(state: FSMContext) -> None:
    current = await state.get_state()
    if current is not None and current.startswith(OrderSearch.__name__):
        await state.clear()


async def _open_order_or_none(orders: OrderRepo, order_id: int) -> Order | None:
    order = await orders.get(order_id)
    return order if order is not None and order.is_open else None


# --- commands ---------------------------------------------------------------------------


@router.message(Command("order"))
async def order_command(
    message: Message,
    state: FSMContext,
    user: User,
    work: WorkRepo,
    orders: OrderRepo,
    order_index: OrderIndex,
) -> None:
    await _leave_search(state)
    await leave_chat(user, work)
    report = await order_index.refresh()
    if report.error is not None:
        await message.answer(texts.ORDER_INDEX_UNAVAILABLE)
    calendar = kb.OrderCalendar(orders.days_with_open_orders)
    await message.answer(texts.ORDER_CALENDAR_PROMPT, reply_markup=await calendar.start_calendar())


@router.message(Command("type"))
async def type_command(
    message: Message, user: User, work: WorkRepo, orders: OrderRepo, settings: Settings
) -> None:
    context = await work.get(user.telegram_id)
    if context is None or context.order_id is None:
        await message.answer(texts.TYPE_NEED_ORDER)
        return
    order = await _open_order_or_none(orders, context.order_id)
    if order is None:
        await message.answer(texts.ORDER_STALE)
        return
    await message.answer(texts.type_prompt(order.number), reply_markup=kb.type_choice(order, settings))


# --- the calendar and the order lists ---------------------------------------------------


@router.callback_query(OrderCalendarCb.filter())
async def calendar_pressed(
    callback: CallbackQuery, callback_data: OrderCalendarCb, orders: OrderRepo
) -> None:
    if not isinstance(callback.message, Message):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    calendar = kb.OrderCalendar(orders.days_with_open_orders)
    try:
        chosen, picked = await calendar.process_selection(callback, callback_data)
    except TelegramBadRequest as exc:
        log.info("Calendar not redrawn: %s", exc.message)
        await callback.answer(texts.BUTTON_STALE)
        return
    if callback_data.act is SimpleCalAct.ignore:
        return  # aiogram-calendar answered it
    await callback.answer(texts.CALENDAR_CLOSED if callback_data.act is SimpleCalAct.cancel else None)
    if chosen and picked is not None:
        found = await orders.open_on(picked.date())
        markup = kb.order_list(found) if found else None
        await callback.message.answer(
            texts.order_day_list(f"{picked:%d.%m.%Y}", len(found)), reply_markup=markup
        )


@router.callback_query(OrderCb.filter(F.action == OrderAction.SEARCH))
async def search_pressed(
    callback: CallbackQuery, state: FSMContext, user: User, work: WorkRepo, bot: Bot
) -> None:
    await leave_chat(user, work)
    await state.set_state(OrderSearch.number)
    await callback.answer()
    await bot.send_message(callback.from_user.id, texts.ORDER_SEARCH_PROMPT)


@router.message(StateFilter(OrderSearch.number), PLAIN_TEXT)
async def search_text(message: Message, state: FSMContext, orders: OrderRepo) -> None:
    part = (message.text or "").strip()
    found = await orders.search_open(part, limit=SEARCH_LIMIT + 1)
    if not found:
        await message.answer(texts.order_search_none(part))
    elif len(found) > SEARCH_LIMIT:
        await message.answer(texts.order_search_too_many(part, SEARCH_LIMIT))
    else:  # the search stays on until an order is tapped: a number typed again is a new search
        await message.answer(texts.order_search_found(part, len(found)), reply_markup=kb.order_list(found))


@router.message(StateFilter(OrderSearch.number), FILE)
async def search_file(
    message: Message, user: User, media: MediaService, settings: Settings, album: list[Message] | None = None
) -> None:
    """Photos sent while looking for the order (often right after the list): kept for the order and
    stage tapped next, never filed into the previous order."""
    files = [item for item in map(incoming_file, album or [message]) if item is not None]
    await answer_outcome(message, await media.hold_unassigned(user, files), settings)


@router.message(StateFilter(OrderSearch.number), NOT_COMMAND)
async def search_not_text(message: Message) -> None:
    await message.answer(texts.ORDER_SEARCH_TEXT_ONLY)


# --- choosing the order and the stage ---------------------------------------------------------


@router.callback_query(OrderCb.filter(F.action == OrderAction.PICK))
async def order_picked(
    callback: CallbackQuery,
    callback_data: OrderCb,
    user: User,
    orders: OrderRepo,
    work: WorkRepo,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    order = await _open_order_or_none(orders, callback_data.order_id)
    if order is None:
        await callback.answer(texts.ORDER_STALE, show_alert=True)
        return
    await callback.answer()
    await _leave_search(state)
    await open_order(bot, callback.from_user.id, user, order, work, settings)


@router.callback_query(OrderCb.filter(F.action == OrderAction.TYPE))
async def type_picked(
    callback: CallbackQuery,
    callback_data: OrderCb,
    user: User,
    orders: OrderRepo,
    work: WorkRepo,
    media: MediaService,
    settings: Settings,
    bot: Bot,
) -> None:
    order = await _open_order_or_none(orders, callback_data.order_id)
    labels = list(settings.type_order)
    if order is None or not 0 <= callback_data.type_index < len(labels):
        await callback.answer(texts.ORDER_STALE if order is None else texts.TYPE_STALE, show_alert=True)
        return
    label = labels[callback_data.type_index]
    context = await work.get(user.telegram_id)
    if context is None or context.order_id != order.id:  # a keyboard of an earlier order: go back to it
        await work.set_order(user.telegram_id, order.id)
    await work.set_type(user.telegram_id, label)
    await callback.answer()
    chat_id = callback.from_user.id
    await _pin(bot, chat_id, user.telegram_id, work, texts.pin_text(order.number, label))
    hidden = settings.is_hidden_folder(settings.type_order[label])
    await bot.send_message(chat_id, texts.type_chosen(order.number, label, hidden))
    # what was sent into this order before its stage: filed now (each gets its usual report)
    await media.file_held(user, order.id, file_fetcher(bot, settings))
