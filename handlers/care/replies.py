"""Customer care (and admins) answer any client who wrote to them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

import texts
from database.users import User, UserRepo
from handlers.filters import NOT_COMMAND, PLAIN_TEXT
from keyboards import conversations as kb
from keyboards.callbacks import CareAction, CareCb
from services.conversations import Conversations, Incoming

router = Router(name=__name__)


class CareReply(StatesGroup):
    text = State()


@router.callback_query(CareCb.filter(F.action == CareAction.REPLY))
async def start_reply(
    callback: CallbackQuery, callback_data: CareCb, users: UserRepo, state: FSMContext
) -> None:
    client = await users.get(callback_data.client_id)
    if client is None or not client.is_active:
        await callback.answer(texts.CLIENT_GONE, show_alert=True)
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
async def send_reply(
    message: Message, user: User, users: UserRepo, state: FSMContext, conversations: Conversations
) -> None:
    assert message.text is not None
    client_id = (await state.get_data()).get("client_id")
    await state.clear()
    client = await users.get(int(client_id)) if client_id else None
    if client is None or not client.is_active:
        await message.answer(texts.CLIENT_GONE)
        return
    incoming = Incoming(message.chat.id, message.message_id, "text", message.text)
    await conversations.send_care_reply(user, client, incoming)
    await message.answer(texts.CARE_REPLY_SENT)


@router.message(StateFilter(CareReply.text), NOT_COMMAND)
async def reply_again(message: Message) -> None:
    await message.answer(texts.CARE_REPLY_ASK_AGAIN, reply_markup=kb.care_cancel())
