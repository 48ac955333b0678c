"""What the employee sees of services.orders_flow's results, and its `Pins` port over the Bot API."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

import texts
from config import Settings
from database.orders import Order, OrderRepo
from database.users import User
from keyboards import orders as kb
from services.orders_flow import OrderOpened, OrdersFlow, OrdersFound

log = logging.getLogger(__name__)


class ChatPins:
    """The pinned order/stage message of one chat (services.orders_flow.Pins): the order's car, client,
    stage, with the stage buttons. A new pin made while opening an order IS the order card, so opening
    sends one message; later the pin is edited in place."""

    def __init__(self, bot: Bot, chat_id: int, settings: Settings, orders_flow: OrdersFlow) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._settings = settings
        self._orders_flow = orders_flow
        self.card_sent = False

    async def pin(self, order: Order, label: str | None) -> int | None:
        try:
            if label is None:  # opening the order: the card it would show anyway
                text, markup = await order_card(order, self._settings, self._orders_flow)
            else:
                text, markup = await _pin_view(order, label, self._settings, self._orders_flow)
            sent = await self._bot.send_message(self._chat_id, text, reply_markup=markup)
            self.card_sent = label is None
            await self._bot.pin_chat_message(self._chat_id, sent.message_id, disable_notification=True)
        except TelegramBadRequest as exc:
            log.warning("Could not pin the order message in chat %s: %s", self._chat_id, exc.message)
            return None
        return sent.message_id

    async def edit(self, message_id: int, order: Order, label: str | None) -> bool:
        text, markup = await _pin_view(order, label, self._settings, self._orders_flow)
        try:
            await self._bot.edit_message_text(
                text=text, chat_id=self._chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return True
            log.info("Pin %s in chat %s not edited (a new one is pinned): %s", message_id, self._chat_id, exc)
            return False
        return True

    async def unpin(self, message_id: int) -> None:
        try:
            await self._bot.unpin_chat_message(self._chat_id, message_id=message_id)
        except TelegramBadRequest as exc:  # deleted by the user meanwhile: nothing to unpin
            log.info("Old pin %s in chat %s not unpinned: %s", message_id, self._chat_id, exc.message)


async def _client_of(
    order: Order, orders_flow: OrdersFlow, settings: Settings
) -> tuple[str | None, bool, str | None]:
    """The order's connected client's name, whether connected, its status label."""
    listed = await orders_flow.listed([order])
    if not listed:
        return None, False, None
    key = listed[0].status
    return listed[0].client_name, listed[0].connected, settings.order_statuses.get(key, key) if key else None


async def _pin_view(
    order: Order, label: str | None, settings: Settings, orders_flow: OrdersFlow
) -> tuple[str, InlineKeyboardMarkup]:
    name, connected, status = await _client_of(order, orders_flow, settings)
    hidden = label is not None and settings.is_hidden_folder(settings.type_order.get(label, ""))
    text = texts.order_pin(
        order.number, order.plate, name, order.phone, connected, order.data_ok, label, status, hidden
    )
    return text, kb.type_choice(order, settings)


async def order_card(
    order: Order, settings: Settings, orders_flow: OrdersFlow, pin_failed: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The order card: the car, its client, connected or not, and the stage buttons."""
    name, connected, status = await _client_of(order, orders_flow, settings)
    text = texts.order_card(
        order.number, order.plate, name, order.phone, connected, order.data_ok, pin_failed, status
    )
    return text, kb.type_choice(order, settings)


async def show_opened(
    bot: Bot, chat_id: int, opened: OrderOpened, settings: Settings, orders_flow: OrdersFlow, pins: ChatPins
) -> None:
    """An order just opened: its card, in one message (unless the new pin already was that card)."""
    if pins.card_sent:
        if not opened.pinned:  # the card went out but could not be pinned
            await bot.send_message(chat_id, texts.PIN_FAILED)
        return
    text, markup = await order_card(opened.order, settings, orders_flow, pin_failed=not opened.pinned)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def show_found(
    bot: Bot,
    chat_id: int,
    found: OrdersFound,
    query: str,
    settings: Settings,
    orders_flow: OrdersFlow,
    pins: ChatPins,
) -> None:
    """A search's result: the order opened, the list to choose from, or "none"."""
    if found.opened is not None:
        await show_opened(bot, chat_id, found.opened, settings, orders_flow, pins)
    elif found.orders:
        text = texts.order_search_list(query, len(found.orders))
        markup = kb.order_list(await orders_flow.listed(found.orders), settings.order_statuses)
        await bot.send_message(chat_id, text, reply_markup=markup)
    else:
        await bot.send_message(chat_id, texts.order_search_none(query))


async def show_calendar(
    bot: Bot, chat_id: int, staff: User, orders_flow: OrdersFlow, orders: OrderRepo
) -> None:
    """/order and the search's "calendar" button: out of the order's chat, folders rescanned, the calendar."""
    if not await orders_flow.browse(staff):
        await bot.send_message(chat_id, texts.ORDER_INDEX_UNAVAILABLE)
    calendar = kb.OrderCalendar(orders.days_with_open_orders)
    await bot.send_message(chat_id, texts.ORDER_CALENDAR_PROMPT, reply_markup=await calendar.start_calendar())
