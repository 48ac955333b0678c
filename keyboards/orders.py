"""Keyboards of the order workflow: the /order calendar, order lists, the stage (type) choice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_calendar import SimpleCalendar, SimpleCalendarCallback
from aiogram_calendar.schemas import SimpleCalAct, highlight

import texts
from config import Settings
from database.orders import ListedOrder, Order
from keyboards import recommendations
from keyboards.callbacks import (
    ConvAction,
    ConvCb,
    InviteCb,
    OrderAction,
    OrderCalendarCb,
    OrderCb,
    OrderDayCb,
    StaffReportCb,
    StatusAction,
    StatusCb,
)
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


def order_list(orders: Sequence[ListedOrder], statuses: Mapping[str, str]) -> InlineKeyboardMarkup:
    """One order a row: its mark, number, status, plate and client (texts.order_list_button);
    `statuses`: ORDER_STATUSES, a status key -> its label."""
    builder = InlineKeyboardBuilder()
    for item in orders:
        order = item.order
        status = statuses.get(item.status, item.status) if item.status else None
        text = texts.order_list_button(
            order.number, order.plate, item.client_name, order.phone, item.connected, order.data_ok, status
        )
        builder.button(text=text, callback_data=OrderCb(action=OrderAction.PICK, order_id=order.id))
    builder.adjust(1)
    return builder.as_markup()


def day_list(page: DayPage, statuses: Mapping[str, str]) -> InlineKeyboardMarkup | None:
    """A calendar day's page of orders, with "back"/"forward" when the day has more pages."""
    if not page.orders:
        return None
    markup = order_list(page.orders, statuses)
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
    builder.button(
        text=texts.STATUS_BUTTON, callback_data=StatusCb(action=StatusAction.MENU, order_id=order.id)
    )
    builder.button(text=texts.INVITE_BUTTON, callback_data=InviteCb(order_id=order.id))
    builder.button(text=texts.REPORT_BUTTON, callback_data=StaffReportCb(order_id=order.id))
    # stages one per row (the one-handed tap of the day), the order's tools two per row below them
    builder.adjust(*[1] * len(settings.type_order), 2)
    return builder.as_markup()


def status_choice(order_id: int, statuses: Mapping[str, str], current: str | None) -> InlineKeyboardMarkup:
    """ORDER_STATUSES as buttons, the current one marked; each sets its status with one tap."""
    builder = InlineKeyboardBuilder()
    for index, (key, label) in enumerate(statuses.items()):
        mark = texts.STATUS_CURRENT_MARK if key == current else ""
        data = StatusCb(action=StatusAction.SET, order_id=order_id, index=index)
        builder.button(text=f"{mark}{label}", callback_data=data)
    builder.adjust(2)
    return builder.as_markup()
