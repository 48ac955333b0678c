"""What the employee sees of services.orders_flow's results, and its `Pins` port over the Bot API."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

import texts
from config import Settings
from database.orders import OrderRepo
from database.users import User
from keyboards import orders as kb
from services.orders_flow import OrderOpened, OrdersFlow, OrdersFound

log = logging.getLogger(__name__)


class ChatPins:
    """The pinned order/stage message of one chat (services.orders_flow.Pins)."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def pin(self, number: str, label: str | None) -> int | None:
        text = texts.pin_text(number, label)
        try:
            sent = await self._bot.send_message(self._chat_id, text, disable_notification=True)
            await self._bot.pin_chat_message(self._chat_id, sent.message_id, disable_notification=True)
        except TelegramBadRequest as exc:
            log.warning("Could not pin the order message in chat %s: %s", self._chat_id, exc.message)
            return None
        return sent.message_id

    async def unpin(self, message_id: int) -> None:
        try:
            await self._bot.unpin_chat_message(self._chat_id, message_id=message_id)
        except TelegramBadRequest as exc:  # deleted by the user meanwhile: nothing to unpin
            log.info("Old pin %s in chat %s not unpinned: %s", message_id, self._chat_id, exc.message)


async def show_opened(bot: Bot, chat_id: int, opened: OrderOpened, settings: Settings) -> None:
    """An order just opened: a failed pin, missing client data, and its stage buttons."""
    order = opened.order
    if not opened.pinned:
        await bot.send_message(chat_id, texts.PIN_FAILED)
    if not order.data_ok:
        await bot.send_message(chat_id, texts.order_no_client_data(order.number))
    markup = kb.type_choice(order, settings)
    await bot.send_message(chat_id, texts.order_opened_prompt(order.number), reply_markup=markup)


async def show_found(bot: Bot, chat_id: int, found: OrdersFound, query: str, settings: Settings) -> None:
    """A search's result: the order opened, the list to choose from, or "none"."""
    if found.opened is not None:
        await show_opened(bot, chat_id, found.opened, settings)
    elif found.orders:
        text = texts.order_search_found(query, len(found.orders))
        await bot.send_message(chat_id, text, reply_markup=kb.order_list(found.orders))
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
