"""/order by a photo: the barcode on the order sheet or the car's plate; or either one typed.

The "📷" and "🚗" buttons under the /order calendar put the employee into OrderSearch.barcode /
OrderSearch.plate. A photo (or an image sent as a file) is downloaded into memory, recognized in the
Recognizer's process pool (the "typing" action shows at once; an answer not ready within the
Recognizer's wait counts as nothing read), and the open orders with that barcode / plate are offered
like a calendar choice (one is opened at once). A plate or code that names no open order is shown as
read, "but no open order has it", never as a match. Nothing found (after one rescan of the folders)
or nothing readable: the answer says what was read and offers to try again, to type the number, or the
calendar. Text in these states is a typed barcode, plate or part of an order number. /cancel is
handled in common.
"""

from __future__ import annotations

import contextlib
import logging

import aiohttp
from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from config import Settings
from database.orders import OrderRepo
from database.users import User
from handlers.employee.orders import OrderSearch, leave_search
from handlers.employee.views import ChatPins, show_calendar, show_found
from handlers.errors import answer_error
from handlers.filters import NOT_COMMAND, PLAIN_TEXT, Match
from keyboards.callbacks import OrderAction, OrderCb
from keyboards.recognition import other_ways
from services.orders_flow import SEARCH_LIMIT, OrdersFlow, OrdersFound
from services.recognition.worker import RecognitionUnavailable, Recognizer, UnreadableImage

log = logging.getLogger(__name__)
router = Router(name=__name__)

MAX_PHOTO_BYTES = 20 * 1024 * 1024  # what the cloud Bot API lets bots download; phone photos are far smaller
_PHOTO_STATES = StateFilter(OrderSearch.barcode, OrderSearch.plate)
_ALL_STATES = StateFilter(OrderSearch.barcode, OrderSearch.plate, OrderSearch.typed)
_IMAGE = Match(F.photo | F.document.mime_type.startswith("image/"))


# --- the buttons ------------------------------------------------------------------------------------


@router.callback_query(OrderCb.filter(F.action.in_({OrderAction.BARCODE, OrderAction.PLATE})))
async def photo_search_pressed(
    callback: CallbackQuery,
    callback_data: OrderCb,
    state: FSMContext,
    bot: Bot,
    recognizer: Recognizer,
    user: User,
    orders_flow: OrdersFlow,
) -> None:
    barcode = callback_data.action is OrderAction.BARCODE
    await orders_flow.leave_chat(user)
    await state.set_state(OrderSearch.barcode if barcode else OrderSearch.plate)
    recognizer.warm_up()  # the workers start while the employee takes the photo
    await callback.answer()
    await bot.send_message(
        callback.from_user.id, texts.ORDER_BARCODE_PROMPT if barcode else texts.ORDER_PLATE_PROMPT
    )


@router.callback_query(OrderCb.filter(F.action == OrderAction.TYPED))
async def typed_pressed(callback: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    await state.set_state(OrderSearch.typed)
    await callback.answer()
    await bot.send_message(callback.from_user.id, texts.ORDER_TYPED_PROMPT)


@router.callback_query(OrderCb.filter(F.action == OrderAction.CALENDAR))
async def calendar_pressed(
    callback: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    orders: OrderRepo,
    user: User,
    orders_flow: OrdersFlow,
) -> None:
    await leave_search(state)
    await callback.answer()
    await show_calendar(bot, callback.from_user.id, user, orders_flow, orders)


# --- photos ---------------------------------------------------------------------------------------------


@router.message(_PHOTO_STATES, _IMAGE)
async def photo_received(
    message: Message,
    state: FSMContext,
    bot: Bot,
    user: User,
    recognizer: Recognizer,
    orders_flow: OrdersFlow,
    settings: Settings,
) -> None:
    barcode = await state.get_state() == OrderSearch.barcode.state
    retry = OrderAction.BARCODE if barcode else OrderAction.PLATE
    data = await _download(message, bot)
    if data is None:
        return
    pins = ChatPins(bot, message.chat.id, settings, orders_flow)
    try:
        search = await orders_flow.find_by_photo(user, data, barcode, recognizer, pins)
    except RecognitionUnavailable:
        await state.set_state(OrderSearch.typed)
        await message.answer(texts.recognition_unavailable(barcode), reply_markup=other_ways(None))
        return
    except UnreadableImage as exc:
        await answer_error(message, exc, other_ways(retry))
        return
    if not search.found.orders:
        not_found = texts.barcode_not_found(search.read) if barcode else texts.plate_not_found(search.read)
        await message.answer(not_found, reply_markup=other_ways(retry))
        return
    label = ", ".join(search.matched if barcode else map(texts.plate_display, search.matched))
    await _show(message, state, bot, search.found, label, settings, orders_flow, pins)


async def _download(message: Message, bot: Bot) -> bytes | None:
    """The photo's bytes (largest size), in memory; None after telling the employee why not."""
    if message.photo:
        file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
    else:
        assert message.document is not None  # the _IMAGE filter
        file_id, size = message.document.file_id, message.document.file_size
    if size is not None and size > MAX_PHOTO_BYTES:
        await message.answer(texts.RECOGNITION_TOO_BIG)
        return None
    with contextlib.suppress(TelegramAPIError):
        await bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    try:
        downloaded = await bot.download(file_id)
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("Photo for recognition from %s not downloaded: %s", message.chat.id, exc)
        downloaded = None
    if downloaded is None:
        await message.answer(texts.RECOGNITION_DOWNLOAD_FAILED)
        return None
    return downloaded.getvalue()  # type: ignore[attr-defined]  # a BytesIO without a destination


# --- typed text and everything else in these states ---------------------------------------------------


@router.message(_ALL_STATES, PLAIN_TEXT)
async def text_received(
    message: Message, state: FSMContext, bot: Bot, user: User, orders_flow: OrdersFlow, settings: Settings
) -> None:
    """A typed barcode (exact), plate (normalized) or part of an order number, tried in that order."""
    text = (message.text or "").strip()
    if not text:
        await message.answer(texts.RECOGNITION_TEXT_ONLY)
        return
    pins = ChatPins(bot, message.chat.id, settings, orders_flow)
    found = await orders_flow.search_typed(user, text, pins)
    if found.too_many:
        await message.answer(texts.order_search_too_many(text, SEARCH_LIMIT))
    elif not found.orders:
        current = await state.get_state()
        retry = {OrderSearch.barcode.state: OrderAction.BARCODE, OrderSearch.plate.state: OrderAction.PLATE}
        await message.answer(texts.typed_not_found(text), reply_markup=other_ways(retry.get(current or "")))
    else:
        await _show(message, state, bot, found, text, settings, orders_flow, pins)


@router.message(_PHOTO_STATES, NOT_COMMAND)
async def photo_expected(message: Message) -> None:
    await message.answer(texts.RECOGNITION_SEND_PHOTO)


@router.message(StateFilter(OrderSearch.typed), NOT_COMMAND)
async def text_expected(message: Message) -> None:
    await message.answer(texts.RECOGNITION_TEXT_ONLY)


# --- offering ----------------------------------------------------------------------------------------


async def _show(
    message: Message,
    state: FSMContext,
    bot: Bot,
    found: OrdersFound,
    label: str,
    settings: Settings,
    orders_flow: OrdersFlow,
    pins: ChatPins,
) -> None:
    """One order was opened: the search is over. Several are listed, and the state stays until one is
    picked, so a further photo is still a search and never filed into the previous order."""
    if found.opened is not None:
        await state.clear()
    await show_found(bot, message.chat.id, found, label, settings, orders_flow, pins)
