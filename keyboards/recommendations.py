"""Inline keyboards of recommendations (staff's dialog, the owner's card) and of "Мои заказы"."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from database.marks import MarkedMedia
from keyboards.callbacks import DecideCb, OwnerAction, OwnerOrderCb, RecAction, RecCb
from services.inspection.recommendations import OwnerOrder


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def order_button(order_id: int) -> InlineKeyboardButton:
    """The order card's "🛠 Рекомендации": totals and "new"."""
    return _button(texts.REC_BUTTON, RecCb(action=RecAction.VIEW, order_id=order_id).pack())


def staff_view(order_id: int) -> InlineKeyboardMarkup:
    data = RecCb(action=RecAction.NEW, order_id=order_id).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[_button(texts.REC_NEW_BUTTON, data)]])


def cancel(order_id: int) -> InlineKeyboardMarkup:
    data = RecCb(action=RecAction.CANCEL, order_id=order_id).pack()
    return InlineKeyboardMarkup(inline_keyboard=[[_button(texts.REC_CANCEL_BUTTON, data)]])


def media_choice(
    order_id: int, items: Sequence[MarkedMedia], chosen: Collection[int]
) -> InlineKeyboardMarkup:
    """The order's 🟡/🔴 photos as toggles (numbered in filing order), then "next" and "cancel"."""
    rows = [
        [
            _button(
                texts.rec_media_button(item.mark, item.note, index, item.media_id in chosen),
                RecCb(action=RecAction.MEDIA, order_id=order_id, media_id=item.media_id).pack(),
            )
        ]
        for index, item in enumerate(items, 1)
    ]
    rows.append(
        [
            _button(
                texts.REC_MEDIA_DONE_BUTTON, RecCb(action=RecAction.MEDIA_DONE, order_id=order_id).pack()
            ),
            _button(texts.REC_CANCEL_BUTTON, RecCb(action=RecAction.CANCEL, order_id=order_id).pack()),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def decision(rec_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(texts.REC_APPROVE_BUTTON, DecideCb(rec_id=rec_id, approve=True).pack()),
                _button(texts.REC_DECLINE_BUTTON, DecideCb(rec_id=rec_id, approve=False).pack()),
            ]
        ]
    )


class DecisionButtons:
    """services.inspection.recommendations.DecisionButtons: the card's buttons as the outbox stores them."""

    def decision(self, rec_id: int) -> dict[str, Any]:
        return decision(rec_id).model_dump(exclude_none=True)


def owner_orders(items: Sequence[OwnerOrder]) -> InlineKeyboardMarkup:
    """Per order: its report and its recommendations waiting for a decision."""
    rows = []
    for item in items:
        order = item.order
        report = OwnerOrderCb(action=OwnerAction.REPORT, order_id=order.id).pack()
        recs = OwnerOrderCb(action=OwnerAction.RECOMMENDATIONS, order_id=order.id).pack()
        rows.append(
            [
                _button(texts.my_orders_report_button(order.number), report),
                _button(texts.my_orders_recs_button(order.number, item.waiting), recs),
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)
