"""/order and /type: choose the work order (calendar, part of its number) and the stage.

What choosing does is services.orders_flow.OrdersFlow; handlers/employee/views.py shows its results.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_calendar.schemas import SimpleCalAct

import texts
from config import Settings
from database.orders import OrderRepo
from database.users import User
from handlers.dialogs import leave_dialog
from handlers.employee.media import answer_outcome, file_fetcher
from handlers.employee.views import ChatPins, show_calendar, show_found, show_opened
from handlers.filters import FILE, NOT_COMMAND, PLAIN_TEXT
from keyboards import orders as kb
from keyboards.callbacks import OrderAction, OrderCalendarCb, OrderCb, OrderDayCb
from runtime.telegram_files import incoming_file
from services.media import MediaService
from services.orders_flow import SEARCH_LIMIT, DayPage, OrdersFlow

log = logging.getLogger(__name__)
router = Router(name=__name__)


class OrderSearch(StatesGroup):
    number = State()  # waiting for part of an order number
    barcode = State()  # waiting for a photo of the barcode (handlers/employee/recognition.py)
    plate = State()  # waiting for a photo of the car's plate (handlers/employee/recognition.py)
    typed = State()  # waiting for a typed plate or part of a number (handlers/employee/recognition.py)


async def leave_search(state: FSMContext) -> None:
    current = await state.get_state()
    if current is not None and current.startswith(OrderSearch.__name__):
        await state.clear()


# --- commands ---------------------------------------------------------------------------


@router.message(Command("order"))
async def order_command(
    message: Message, state: FSMContext, user: User, orders: OrderRepo, orders_flow: OrdersFlow, bot: Bot
) -> None:
    await leave_dialog(state)  # done by the middleware already: any command ends a dialog
    await show_calendar(bot, message.chat.id, user, orders_flow, orders)


@router.message(Command("type"))
async def type_command(message: Message, user: User, orders_flow: OrdersFlow, settings: Settings) -> None:
    order = await orders_flow.current_order(user)
    await message.answer(texts.type_prompt(order.number), reply_markup=kb.type_choice(order, settings))


# --- the calendar and the order lists ---------------------------------------------------


@router.callback_query(OrderCalendarCb.filter())
async def calendar_pressed(
    callback: CallbackQuery,
    callback_data: OrderCalendarCb,
    orders: OrderRepo,
    orders_flow: OrdersFlow,
    settings: Settings,
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
        page = await orders_flow.day_page(picked.date(), 0)
        await callback.message.answer(
            _day_text(page), reply_markup=kb.day_list(page, settings.order_statuses)
        )


@router.callback_query(OrderDayCb.filter())
async def day_page_pressed(
    callback: CallbackQuery, callback_data: OrderDayCb, orders_flow: OrdersFlow, settings: Settings
) -> None:
    """ "Back"/"forward" under a day's list: that page, in place (a page the day lacks: PageGone)."""
    if not isinstance(callback.message, Message):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    page = await orders_flow.day_page(callback_data.as_date, callback_data.page)
    await callback.answer()
    try:
        await callback.message.edit_text(
            _day_text(page), reply_markup=kb.day_list(page, settings.order_statuses)
        )
    except TelegramBadRequest as exc:  # the list message is too old to edit: a new one
        log.info("Day list not edited in place: %s", exc.message)
        await callback.message.answer(
            _day_text(page), reply_markup=kb.day_list(page, settings.order_statuses)
        )


def _day_text(page: DayPage) -> str:
    return texts.order_day_page(f"{page.day:%d.%m.%Y}", page.total, page.page, page.pages)


@router.callback_query(OrderCb.filter(F.action == OrderAction.SEARCH))
async def search_pressed(
    callback: CallbackQuery, state: FSMContext, user: User, orders_flow: OrdersFlow, bot: Bot
) -> None:
    await orders_flow.leave_chat(user)
    await state.set_state(OrderSearch.number)
    await callback.answer()
    await bot.send_message(callback.from_user.id, texts.ORDER_SEARCH_PROMPT)


@router.message(StateFilter(OrderSearch.number), PLAIN_TEXT)
async def search_text(
    message: Message, state: FSMContext, user: User, orders_flow: OrdersFlow, settings: Settings, bot: Bot
) -> None:
    part = (message.text or "").strip()
    pins = ChatPins(bot, message.chat.id, settings, orders_flow)
    found = await orders_flow.search_number(user, part, pins)
    if found.too_many:
        await message.answer(texts.order_search_too_many(part, SEARCH_LIMIT))
        return
    if found.opened is not None:  # the only one: opened like a tap on it, the search is over
        await leave_search(state)
    # several: the search stays on until one is tapped, so a number typed again is a new search
    await show_found(bot, message.chat.id, found, part, settings, orders_flow, pins)


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
    orders_flow: OrdersFlow,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    chat_id = callback.from_user.id
    pins = ChatPins(bot, chat_id, settings, orders_flow)
    opened = await orders_flow.open_order(user, callback_data.order_id, pins)
    await callback.answer()
    await leave_dialog(state)  # another order: a search, a mark's note, a recommendation under way end
    await show_opened(bot, chat_id, opened, settings, orders_flow, pins)


@router.callback_query(OrderCb.filter(F.action == OrderAction.TYPE))
async def type_picked(
    callback: CallbackQuery,
    callback_data: OrderCb,
    user: User,
    orders_flow: OrdersFlow,
    media: MediaService,
    settings: Settings,
    bot: Bot,
) -> None:
    chat_id = callback.from_user.id
    pins = ChatPins(bot, chat_id, settings, orders_flow)
    chosen = await orders_flow.choose_stage(user, callback_data.order_id, callback_data.type_index, pins)
    if chosen.pinned:  # the pin shows the stage and what to do next: no message of its own
        await callback.answer(texts.type_chosen_alert(chosen.label))
    else:
        await callback.answer()
        hidden = settings.is_hidden_folder(chosen.folder)
        await bot.send_message(chat_id, texts.PIN_FAILED)
        await bot.send_message(chat_id, texts.type_chosen(chosen.order.number, chosen.label, hidden))
    # what was sent into this order before its stage: filed now (each gets its usual report)
    await media.file_held(user, chosen.order.id, file_fetcher(bot, settings))
