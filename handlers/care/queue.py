"""The care queue: "взять" a client's request (every other copy shows who took it), a conversation
mode bound to that client (texts and photos go to them until "Закрыть" or /cancel), closing it."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import BaseFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

import texts
from database.users import User
from handlers.filters import FILE, NOT_COMMAND, PLAIN_TEXT, Match
from keyboards import conversations as kb
from keyboards.callbacks import CareAction, CareCb
from services.conversations import CareQueue, Conversations, Incoming, Taken
from services.conversations.care_queue import taker_name

log = logging.getLogger(__name__)
router = Router(name=__name__)


class CareTalk(StatesGroup):
    active = State()  # data: client_id — the client this agent is talking to


@router.callback_query(CareCb.filter(F.action == CareAction.TAKE))
async def take(
    callback: CallbackQuery,
    callback_data: CareCb,
    user: User,
    state: FSMContext,
    care_queue: CareQueue,
    bot: Bot,
) -> None:
    taken = await care_queue.take(user, callback_data.client_id)
    if taken is None:  # a forged button (staff, strangers) or a client who never wrote to care
        log.warning("Care %s refused to take %s", user.telegram_id, callback_data.client_id)
        await callback.answer(texts.CARE_NOT_YOUR_CLIENT, show_alert=True)
        return
    taker = taker_name(taken.taker) or "—"
    if not taken.mine:
        await callback.answer(texts.care_taken_by_other(taker), show_alert=True)
        return
    await state.clear()  # a conversation with another client ends: this one is the agent's now
    await state.set_state(CareTalk.active)
    await state.update_data(client_id=taken.client.telegram_id)
    await callback.answer()
    client = taken.client
    await bot.send_message(
        user.telegram_id,
        texts.care_talk_started(client.name or client.tg_name, client.phone),
        reply_markup=kb.care_close(client.telegram_id),
    )
    await _mark_copies(bot, care_queue, taken, taker, user.telegram_id)


async def _mark_copies(bot: Bot, care_queue: CareQueue, taken: Taken, taker: str, taker_id: int) -> None:
    """Every copy of the client's request (in every care chat) shows who took it."""
    client_id = taken.client.telegram_id
    for chat_id, message_id in await care_queue.request_copies(client_id, kb.care_reply_data(client_id)):
        markup = kb.care_taken(client_id, taker, mine=chat_id == taker_id)
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=markup)
        except TelegramAPIError as error:  # deleted, too old, not modified: the others still get theirs
            log.info("Care copy %s/%s not marked taken: %s", chat_id, message_id, error)


@router.callback_query(CareCb.filter(F.action == CareAction.CLOSE))
async def close(
    callback: CallbackQuery, callback_data: CareCb, user: User, state: FSMContext, care_queue: CareQueue
) -> None:
    closed = await care_queue.close(user, callback_data.client_id)
    if closed is None:
        log.warning("Care %s refused to close %s", user.telegram_id, callback_data.client_id)
        await callback.answer(texts.CARE_NOT_YOUR_CLIENT, show_alert=True)
        return
    if not closed.done:
        log.warning("Care %s refused to close %s: not theirs", user.telegram_id, callback_data.client_id)
        await callback.answer(texts.care_taken_by_other(taker_name(closed.taker) or "—"), show_alert=True)
        return
    client = closed.client
    if (await state.get_data()).get("client_id") == client.telegram_id:
        await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(texts.care_closed(client.name or client.tg_name, client.phone))


class RepliedClient(BaseFilter):
    """A reply (swipe) to a client's message in this care chat: that client, as `replied_client`."""

    async def __call__(self, message: Message, conversations: Conversations) -> bool | dict[str, Any]:
        replied = message.reply_to_message
        if replied is None:
            return False
        client = await conversations.care_client_replied(message.chat.id, replied.message_id)
        if client is None and (about := kb.care_client_in(replied.reply_markup)) is not None:
            client = await conversations.care_client(about)  # "Отправлено клиенту…" and the like
        return {"replied_client": client} if client is not None else False


@router.message(RepliedClient(), Match(F.text | F.photo | F.video | F.document), NOT_COMMAND)
async def reply_to_client(
    message: Message,
    user: User,
    state: FSMContext,
    care_queue: CareQueue,
    conversations: Conversations,
    bot: Bot,
    replied_client: User,
) -> None:
    """Answering two clients at once: a reply to one client's message goes to that client (taking the
    request if nobody has) and the conversation mode follows them, no "Взять" between the answers."""
    taken = await care_queue.take(user, replied_client.telegram_id)
    if taken is None:
        await message.answer(texts.CLIENT_GONE)
        return
    if not taken.mine:
        await message.answer(texts.care_reply_taken_by_other(taker_name(taken.taker) or "—"))
        return
    if (await state.get_data()).get("client_id") != replied_client.telegram_id:
        await state.clear()
        await state.set_state(CareTalk.active)
        await state.update_data(client_id=replied_client.telegram_id)
        await _mark_copies(bot, care_queue, taken, taker_name(taken.taker) or "—", user.telegram_id)
    await _talk(message, user, state, conversations, _incoming(message))


def _incoming(message: Message) -> Incoming:
    if message.text is not None:
        return Incoming(message.chat.id, message.message_id, "text", message.text)
    file_name = None  # for the protocol: a file is named by its name, never by its Telegram id
    if message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    elif message.video:
        kind, file_id, file_name = "video", message.video.file_id, message.video.file_name
    else:
        assert message.document is not None
        kind, file_id, file_name = "document", message.document.file_id, message.document.file_name
    return Incoming(message.chat.id, message.message_id, kind, message.caption or "", file_id, file_name)


@router.message(StateFilter(CareTalk.active), PLAIN_TEXT)
async def talk_text(message: Message, user: User, state: FSMContext, conversations: Conversations) -> None:
    assert message.text is not None
    await _talk(
        message,
        user,
        state,
        conversations,
        Incoming(message.chat.id, message.message_id, "text", message.text),
    )


@router.message(StateFilter(CareTalk.active), FILE)
async def talk_file(message: Message, user: User, state: FSMContext, conversations: Conversations) -> None:
    await _talk(message, user, state, conversations, _incoming(message))


async def _talk(
    message: Message, user: User, state: FSMContext, conversations: Conversations, incoming: Incoming
) -> None:
    client_id = (await state.get_data()).get("client_id")
    client = await conversations.care_client(int(client_id)) if client_id else None
    if client is None:
        await state.clear()
        await message.answer(texts.CLIENT_GONE)
        return
    await conversations.send_care_reply(user, client, incoming)
    await message.answer(
        texts.care_talk_sent(client.name or client.tg_name, client.phone),
        reply_markup=kb.care_close(client.telegram_id),
    )


@router.message(StateFilter(CareTalk.active), NOT_COMMAND)
async def talk_other(message: Message, state: FSMContext, conversations: Conversations) -> None:
    client_id = (await state.get_data()).get("client_id")
    client = await conversations.care_client(int(client_id)) if client_id else None
    if client is None:
        await state.clear()
        await message.answer(texts.CLIENT_GONE)
        return
    await message.answer(
        texts.care_talk_ask_again(client.name or client.tg_name, client.phone),
        reply_markup=kb.care_close(client.telegram_id),
    )
