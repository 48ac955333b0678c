"""Keyboards of the order workflow: the /order calendar, order lists, the stage (type) choice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_calendar import SimpleCalendar, SimpleCalendarCallback
from aiogram_calendar.schemas import SimpleCalAct, highlight

import texts
from config import Settings
from database.orders import ListedOrder, Order
from keyboards import recommendations
from keyboards.callbacks import ConvAction, ConvCb, OrderAction, OrderCalendarCb, OrderCb, OrderDayCb
from services.orders_flow import DayPage

MarkedDays = Callable[[int, int], Awaitable[set[int]]]
MARK = "•"
BLANK = "\u2800"  # an empty-looking label: Telegram refuses blank button texts


class OrderCalendar(SimpleCalendar):
    """aiogram-calendar's month view in Russian, days with open orders marked ("•12"), under the
    `oc:` callback prefix, with the search buttons of /order below it.

    Navigation (`process_selection`) is aiogram-calendar's own; it redraws through
    `start_calendar`, so the marks follow the month shown.
    """

    def __init__(self, marked_days: MarkedDays) -> None:
        super().__init__(cancel_btn=texts.CALENDAR_CANCEL, today_btn=texts.CALENDAR_TODAY)
        self._labels.days_of_week = list(texts.CALENDAR_DAYS)
        self._labels.months = list(texts.CALENDAR_MONTHS)
        self._marked_days = marked_days

    async def start_calendar(  # type: ignore[override]
        self, year: int | None = None, month: int | None = None
    ) -> InlineKeyboardMarkup:
        today = date.today()
        year, month = year or today.year, month or today.month
        base = await super().start_calendar(year, month)
        marked = await self._marked_days(year, month)
        rows = [[_retag(button, marked, today) for button in row] for row in base.inline_keyboard]
        return InlineKeyboardMarkup(inline_keyboard=[*rows, *search_rows()])

    async def process_day_select(
        self, data: SimpleCalendarCallback, query: CallbackQuery
    ) -> tuple[bool, datetime | None]:
        """Any day may be chosen; the calendar stays, so another day can be picked after."""
        return True, datetime(int(data.year or 1), int(data.month or 1), int(data.day or 1))


def _retag(button: InlineKeyboardButton, marked: set[int], today: date) -> InlineKeyboardButton:
    raw = button.callback_data or ""
    if not raw.startswith(SimpleCalendarCallback.__prefix__ + ":"):
        return button
    data = SimpleCalendarCallback.unpack(raw)
    ours = OrderCalendarCb(act=data.act, year=data.year, month=data.month, day=data.day).pack()
    text = button.text if button.text.strip() else BLANK
    if data.act is SimpleCalAct.day and data.year and data.month and data.day:
        text = f"{MARK}{data.day}" if data.day in marked else str(data.day)
        if date(data.year, data.month, data.day) == today:
            text = highlight(text)
    return InlineKeyboardButton(text=text, callback_data=ours)


def search_rows() -> list[list[InlineKeyboardButton]]:
    def button(text: str, action: OrderAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=OrderCb(action=action).pack())

    return [
        [button(texts.ORDER_SEARCH_BUTTON, OrderAction.SEARCH)],
        [
            button(texts.ORDER_BARCODE_BUTTON, OrderAction.BARCODE),
            button(texts.ORDER_PLATE_BUTTON, OrderAction.PLATE),
        ],
    ]


def order_list(orders: Sequence[ListedOrder]) -> InlineKeyboardMarkup:
    """One order a row: its mark, number, plate and client (texts.order_list_button)."""
    builder = InlineKeyboardBuilder()
    for item in orders:
        order = item.order
        text = texts.order_list_button(
            order.number, order.plate, item.client_name, order.phone, item.connected, order.data_ok
        )
        builder.button(text=text, callback_data=OrderCb(action=OrderAction.PICK, order_id=order.id))
    builder.adjust(1)
    return builder.as_markup()


def day_list(page: DayPage) -> InlineKeyboardMarkup | None:
    """A calendar day's page of orders, with "back"/"forward" when the day has more pages."""
    if not page.orders:
        return None
    markup = order_list(page.orders)
    day = page.day.toordinal()
    nav = []
    if page.page > 0:
        data = OrderDayCb(day=day, page=page.page - 1).pack()
        nav.append(InlineKeyboardButton(text=texts.ORDER_PAGE_PREV, callback_data=data))
    if page.page + 1 < page.pages:
        data = OrderDayCb(day=day, page=page.page + 1).pack()
        nav.append(InlineKeyboardButton(text=texts.ORDER_PAGE_NEXT, callback_data=data))
    if nav:
        markup.inline_keyboard.append(nav)
    return markup


def type_choice(order: Order, settings: Settings, chat_button: bool = True) -> InlineKeyboardMarkup:
    """The order card: its stages, and "write to the client" (enters the order's chat)."""
    builder = InlineKeyboardBuilder()
    for index, (label, folder) in enumerate(settings.type_order.items()):
        mark = texts.HIDDEN_TYPE_MARK if settings.is_hidden_folder(folder) else ""
        builder.button(
            text=f"{mark}{label}",
            callback_data=OrderCb(action=OrderAction.TYPE, order_id=order.id, type_index=index),
        )
    if chat_button:
        builder.button(
            text=texts.CHAT_BUTTON, callback_data=ConvCb(action=ConvAction.CHAT, order_id=order.id)
        )
        builder.add(recommendations.order_button(order.id))
    builder.adjust(1)
    return builder.as_markup()
