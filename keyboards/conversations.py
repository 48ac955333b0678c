"""Inline keyboards of conversations and customer care."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from database.orders import Order
from database.users import User
from keyboards.callbacks import CareAction, CareCb, ClientAction, ClientCb, ConvAction, ConvCb


def _one(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]])


def as_payload(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    """The JSON form the outbox stores."""
    return markup.model_dump(exclude_none=True)


def switch_order(order_id: int, number: str) -> InlineKeyboardMarkup:
    data = ConvCb(action=ConvAction.OPEN_ORDER, order_id=order_id).pack()
    return _one(texts.switch_order_button(number), data)


def reply_to_client(client_id: int) -> InlineKeyboardMarkup:
    return _one(texts.REPLY_TO_CLIENT_BUTTON, CareCb(action=CareAction.REPLY, client_id=client_id).pack())


def care_request(client_id: int) -> InlineKeyboardMarkup:
    """Under a client's request to care: take it (conversation mode) or answer once."""
    take = CareCb(action=CareAction.TAKE, client_id=client_id).pack()
    reply = CareCb(action=CareAction.REPLY, client_id=client_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=texts.CARE_TAKE_BUTTON, callback_data=take)],
            [InlineKeyboardButton(text=texts.REPLY_TO_CLIENT_BUTTON, callback_data=reply)],
        ]
    )


def care_taken(client_id: int, taker: str, mine: bool) -> InlineKeyboardMarkup:
    """A request someone took, as every copy of it shows: the taker may close it; anyone may still
    answer once (the button names who took it)."""
    reply = CareCb(action=CareAction.REPLY, client_id=client_id).pack()
    if not mine:
        return _one(texts.care_taken_button(taker), reply)
    close = CareCb(action=CareAction.CLOSE, client_id=client_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=texts.CARE_CLOSE_BUTTON, callback_data=close)],
            [InlineKeyboardButton(text=texts.REPLY_TO_CLIENT_BUTTON, callback_data=reply)],
        ]
    )


def care_close(client_id: int) -> InlineKeyboardMarkup:
    return _one(texts.CARE_CLOSE_BUTTON, CareCb(action=CareAction.CLOSE, client_id=client_id).pack())


def care_reply_data(client_id: int) -> str:
    """The callback data every copy of a client's request carries (found again to mark it taken)."""
    return CareCb(action=CareAction.REPLY, client_id=client_id).pack()


def care_cancel() -> InlineKeyboardMarkup:
    return _one(texts.CANCEL_BUTTON, CareCb(action=CareAction.CANCEL).pack())


def offer_care() -> InlineKeyboardMarkup:
    return _one(texts.TO_CARE_BUTTON, ClientCb(action=ClientAction.TO_CARE).pack())


def client_cancel() -> InlineKeyboardMarkup:
    return _one(texts.CANCEL_BUTTON, ClientCb(action=ClientAction.CANCEL).pack())


def send_to_client(order_id: int, number: str) -> InlineKeyboardMarkup:
    """Under the "not sent: you are not in the order's chat" hint: send that text after all."""
    data = ConvCb(action=ConvAction.SEND, order_id=order_id).pack()
    return _one(texts.send_to_client_button(number), data)


class ClientRouteButtons:
    """The buttons under a client's message forwarded to staff (services.client_messages.Buttons)."""

    def about_order(self, order: Order) -> dict[str, Any]:
        return as_payload(switch_order(order.id, order.number))

    def reply_to(self, client: User) -> dict[str, Any]:
        return as_payload(care_request(client.telegram_id))

    def taken(self, client: User, taker: str, mine: bool) -> dict[str, Any]:
        """A reminder about a request someone took shows it as its other copies do."""
        return as_payload(care_taken(client.telegram_id, taker, mine))


def care_client_in(markup: InlineKeyboardMarkup | None) -> int | None:
    """The client a care message's buttons are about ("Закрыть" under "Отправлено клиенту…"), if any."""
    for row in markup.inline_keyboard if markup is not None else []:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(f"{CareCb.__prefix__}{CareCb.__separator__}"):
                try:
                    client_id = CareCb.unpack(data).client_id
                except (TypeError, ValueError):
                    continue
                if client_id:
                    return client_id
    return None
