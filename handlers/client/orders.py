"""The owner's "Мои заказы" (and /orders): open orders with their status, each with its report and its
recommendations waiting for a decision; the ✅/❌ taps on a recommendation card.

Every handler goes through services.inspection.recommendations, which checks access.owns: a forged
button naming another owner's order or recommendation is refused, nothing of it is shown.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InputMediaPhoto, InputMediaVideo, Message

import texts
from database.users import User
from handlers.filters import Match
from keyboards import recommendations as kb
from keyboards.callbacks import DecideCb, OwnerAction, OwnerOrderCb
from services.inspection.recommendations import Card, Recommendations, Refused, when

log = logging.getLogger(__name__)
router = Router(name=__name__)

_REFUSED = {
    Refused.NOT_FOUND: texts.REC_NOT_FOUND,
    Refused.NOT_YOURS: texts.OWNER_NO_ACCESS,
    Refused.CLOSED: texts.REC_ORDER_CLOSED,
}


@router.message(Command("orders"))
@router.message(Match(F.text == texts.MY_ORDERS_BUTTON))
async def my_orders(
    message: Message, user: User, state: FSMContext, recommendations: Recommendations
) -> None:
    await state.clear()
    items = await recommendations.owner_orders(user)
    if not items:
        await message.answer(texts.MY_ORDERS_NONE)
        return
    lines = [(item.order.number, item.order.plate, item.status) for item in items]
    await message.answer(texts.my_orders(lines), reply_markup=kb.owner_orders(items))


@router.callback_query(OwnerOrderCb.filter(F.action == OwnerAction.RECOMMENDATIONS))
async def pending(
    callback: CallbackQuery,
    callback_data: OwnerOrderCb,
    user: User,
    recommendations: Recommendations,
    bot: Bot,
) -> None:
    """The order's cards still waiting for a decision, sent again (photos first, then the card)."""
    cards = await recommendations.pending_cards(user, callback_data.order_id)
    if isinstance(cards, Refused):
        log.warning(
            "Client %s asked for recommendations of order %s: %s",
            user.telegram_id,
            callback_data.order_id,
            cards,
        )
        await callback.answer(_REFUSED[cards], show_alert=True)
        return
    if not cards:
        await callback.answer(texts.REC_NONE_WAITING, show_alert=True)
        return
    await callback.answer()
    for card in cards:
        await _send_card(bot, callback.from_user.id, card)


async def _send_card(bot: Bot, chat_id: int, card: Card) -> None:
    if len(card.media) == 1:
        kind, file_id = card.media[0]
        if kind == "video":
            await bot.send_video(chat_id, file_id)
        else:
            await bot.send_photo(chat_id, file_id)
    elif card.media:
        album = [
            InputMediaVideo(media=file_id) if kind == "video" else InputMediaPhoto(media=file_id)
            for kind, file_id in card.media
        ]
        await bot.send_media_group(chat_id, album)
    await bot.send_message(chat_id, card.text, reply_markup=kb.decision(card.rec.id))


@router.callback_query(DecideCb.filter())
async def decide(
    callback: CallbackQuery, callback_data: DecideCb, user: User, recommendations: Recommendations
) -> None:
    """✅/❌ on a card: decided once; a second tap (or a replayed update) is told the decision."""
    result = await recommendations.decide(user, callback_data.rec_id, callback_data.approve)
    if isinstance(result, Refused):
        await callback.answer(_REFUSED[result], show_alert=True)
        return
    rec = result.rec
    assert rec.decision is not None and rec.decided_at is not None
    try:
        if result.first:
            await callback.answer(texts.rec_decided_answer(rec.decision))
        else:
            await callback.answer(texts.rec_already(rec.decision, when(rec.decided_at)), show_alert=True)
    except TelegramBadRequest as exc:  # a replayed update: its query was answered the first time
        log.info("Decision on recommendation %s: query not answered (%s)", rec.id, exc.message)
    if isinstance(callback.message, Message):
        card = await recommendations.card(rec, result.order)
        try:
            await callback.message.edit_text(card.text, reply_markup=None)
        except TelegramBadRequest as exc:  # already edited by the first tap
            if "not modified" not in exc.message:
                log.info("Card of recommendation %s not edited: %s", rec.id, exc.message)
