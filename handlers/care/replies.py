"""Customer care (and admins) answer any client who wrote to them."""

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
from keyboards import conversations as kb
from keyboards.callbacks import CareAction, CareCb
from services.conversations import Conversations, Incoming

log = logging.getLogger(__name__)
router = Router(name=__name__)


class CareReply(StatesGroup):
    text = State()


@router.callback_query(CareCb.filter(F.action == CareAction.REPLY))
async def start_reply(
    callback: CallbackQuery, callback_data: CareCb, state: FSMContext, conversations: Conversations
) -> None:
    client = await conversations.care_client(callback_data.client_id)
    if client is None:  # a forged button (staff, strangers) or a client who never wrote to care
        log.warning("Care %s refused a reply to %s", callback.from_user.id, callback_data.client_id)
        await callback.answer(texts.CARE_NOT_YOUR_CLIENT, show_alert=True)
        return
    await state.clear()
    await state.set_state(CareReply.text)
    await state.update_data(client_id=client.telegram_id)
    await callback.answer()
    if isinstance(callback.message, Message):
        name = client.name or client.tg_name
        await callback.message.answer(texts.care_reply_ask(name, client.phone), reply_markup=kb.care_cancel())


@router.callback_query(CareCb.filter(F.action == CareAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.CANCELLED)


@router.message(StateFilter(CareReply.text), PLAIN_TEXT)
async def send_reply(message: Message, user: User, state: FSMContext, conversations: Conversations) -> None:
    assert message.text is not None
    client_id = (await state.get_data()).get("client_id")
    await state.clear()
    client = await conversations.care_client(int(client_id)) if client_id else None
    if client is None:
        await message.answer(texts.CLIENT_GONE)
        return
    incoming = Incoming(message.chat.id, message.message_id, "text", message.text)
    await conversations.send_care_reply(user, client, incoming)
    await message.answer(texts.CARE_REPLY_SENT)


@router.message(StateFilter(CareReply.text), NOT_COMMAND)
async def reply_again(message: Message) -> None:
    await message.answer(texts.CARE_REPLY_ASK_AGAIN, reply_markup=kb.care_cancel())
