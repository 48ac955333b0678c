"""The order card's "🛠 Рекомендации": the order's totals, and a new recommendation in a short dialog
(what, why, which 🟡/🔴 photos, price). The work is services.inspection.recommendations."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

import texts
from database.users import User
from handlers.filters import NOT_COMMAND, PLAIN_TEXT
from keyboards import recommendations as kb
from keyboards.callbacks import RecAction, RecCb
from services.inspection.prices import format_price, parse_price
from services.inspection.recommendations import TEXT_LIMIT, Recommendations, fit_list

log = logging.getLogger(__name__)
router = Router(name=__name__)
VIEW_LIMIT = 30  # recommendations listed under the totals (a message holds 4096 characters)


class RecDialog(StatesGroup):
    title = State()
    reason = State()
    media = State()  # choosing photos with buttons
    price = State()


@router.callback_query(RecCb.filter(F.action == RecAction.VIEW))
async def view(callback: CallbackQuery, callback_data: RecCb, recommendations: Recommendations) -> None:
    """The order's recommendations: totals approved / declined / waiting, each with its state."""
    order = await recommendations.open_order(callback_data.order_id)
    if order is None or not isinstance(callback.message, Message):
        await callback.answer(texts.REC_ORDER_CLOSED, show_alert=True)
        return
    totals, recs = await recommendations.totals(order.id)
    t = totals
    text = texts.rec_totals(
        order.number,
        t.approved,
        format_price(t.approved_sum),
        t.declined,
        format_price(t.declined_sum),
        t.waiting,
        format_price(t.waiting_sum),
    )
    recs = recs[-VIEW_LIMIT:]  # the newest; the totals above count them all
    lines = [
        texts.rec_list_line(rec.title, format_price(rec.decided_price or rec.price), rec.decision)
        for rec in recs
    ]
    await callback.answer()
    await callback.message.answer(fit_list(text, lines), reply_markup=kb.staff_view(order.id))


@router.callback_query(RecCb.filter(F.action == RecAction.NEW))
async def start(
    callback: CallbackQuery, callback_data: RecCb, recommendations: Recommendations, state: FSMContext
) -> None:
    order = await recommendations.open_order(callback_data.order_id)
    if order is None or not isinstance(callback.message, Message):
        await callback.answer(texts.REC_ORDER_CLOSED, show_alert=True)
        return
    await state.clear()
    await state.set_state(RecDialog.title)
    await state.set_data({"order_id": order.id})
    await callback.answer()
    await callback.message.answer(texts.REC_ASK_TITLE, reply_markup=kb.cancel(order.id))


def _short_text(message: Message) -> str | None:
    text = " ".join((message.text or "").split())
    return text if 0 < len(text) <= TEXT_LIMIT else None


@router.message(StateFilter(RecDialog.title), PLAIN_TEXT)
async def title_typed(message: Message, state: FSMContext) -> None:
    title = _short_text(message)
    data = await state.get_data()
    if title is None:
        await message.answer(texts.REC_TEXT_BAD, reply_markup=kb.cancel(int(data["order_id"])))
        return
    await state.update_data(title=title)
    await state.set_state(RecDialog.reason)
    await message.answer(texts.REC_ASK_REASON, reply_markup=kb.cancel(int(data["order_id"])))


@router.message(StateFilter(RecDialog.reason), PLAIN_TEXT)
async def reason_typed(message: Message, state: FSMContext, recommendations: Recommendations) -> None:
    reason = _short_text(message)
    data = await state.get_data()
    order_id = int(data["order_id"])
    if reason is None:
        await message.answer(texts.REC_TEXT_BAD, reply_markup=kb.cancel(order_id))
        return
    await state.update_data(reason=reason, media=[])
    linkable = await recommendations.linkable(order_id)
    if not linkable:
        await state.set_state(RecDialog.price)
        await message.answer(texts.REC_ASK_PRICE, reply_markup=kb.cancel(order_id))
        return
    await state.set_state(RecDialog.media)
    await message.answer(texts.REC_ASK_MEDIA, reply_markup=kb.media_choice(order_id, linkable, ()))


@router.callback_query(StateFilter(RecDialog.media), RecCb.filter(F.action == RecAction.MEDIA))
async def media_toggled(
    callback: CallbackQuery, callback_data: RecCb, state: FSMContext, recommendations: Recommendations
) -> None:
    data = await state.get_data()
    order_id = int(data["order_id"])
    linkable = await recommendations.linkable(order_id)
    if callback_data.order_id != order_id or callback_data.media_id not in {m.media_id for m in linkable}:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    chosen = set(data.get("media", []))
    chosen ^= {callback_data.media_id}
    await state.update_data(media=sorted(chosen))
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=kb.media_choice(order_id, linkable, chosen))


@router.callback_query(StateFilter(RecDialog.media), RecCb.filter(F.action == RecAction.MEDIA_DONE))
async def media_done(callback: CallbackQuery, callback_data: RecCb, state: FSMContext) -> None:
    data = await state.get_data()
    if callback_data.order_id != int(data["order_id"]):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    await state.set_state(RecDialog.price)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.REC_ASK_PRICE, reply_markup=kb.cancel(callback_data.order_id))


@router.message(StateFilter(RecDialog.media), NOT_COMMAND)
async def media_expected(message: Message) -> None:
    await message.answer(texts.REC_ASK_MEDIA)


@router.message(StateFilter(RecDialog.price), PLAIN_TEXT)
async def price_typed(
    message: Message, user: User, state: FSMContext, recommendations: Recommendations
) -> None:
    data = await state.get_data()
    order_id = int(data["order_id"])
    price = parse_price(message.text or "")
    if not price:  # None: not a price; 0: nothing for the owner to approve
        bad = texts.REC_PRICE_BAD if price is None else texts.REC_PRICE_ZERO
        await message.answer(bad, reply_markup=kb.cancel(order_id))
        return
    await state.clear()
    order = await recommendations.open_order(order_id)
    if order is None:
        await message.answer(texts.REC_ORDER_CLOSED)
        return
    rec, owners = await recommendations.create(
        user, order, str(data["title"]), str(data["reason"]), price, [int(i) for i in data.get("media", [])]
    )
    await message.answer(texts.rec_created(order.number, rec.title, format_price(rec.price), owners))


@router.message(StateFilter(RecDialog.title, RecDialog.reason, RecDialog.price), NOT_COMMAND)
async def text_expected(message: Message) -> None:
    await message.answer(texts.REC_TEXT_BAD)


@router.callback_query(RecCb.filter(F.action == RecAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    current = await state.get_state()
    if current is not None and current.startswith(RecDialog.__name__):
        await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.REC_CANCELLED)


@router.callback_query(RecCb.filter())
async def stale(callback: CallbackQuery) -> None:
    """A dialog button after the dialog ended (or a forged one)."""
    await callback.answer(texts.BUTTON_STALE, show_alert=True)
