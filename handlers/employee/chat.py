"""Staff write to the client of the order whose chat they are in; the "switch to this order" button.

Chat mode (work_context.chatting): opening an order (number, calendar, barcode, plate, the "switch
to this order" button) or the card's "💬 Написать клиенту" enters it; /order and the search buttons
leave it. Only a plain text typed in chat mode (and in no dialog) goes to the client; any other text
gets a hint whose button sends that very text after all. A relayed text gets a 👍 on the employee's
message once it reached the client (services.conversations.relay_receipt); a failure is said in words.
"""

from __future__ import annotations

import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

import texts
from config import Settings
from database.users import User
from handlers.dialogs import leave_dialog
from handlers.employee.views import ChatPins, show_opened
from handlers.errors import answer_error, error_text
from handlers.filters import PLAIN_TEXT
from keyboards import conversations as kb
from keyboards.callbacks import ConvAction, ConvCb
from services.conversations import Conversations, Incoming, NotInChat, RelayError
from services.orders_flow import OrderGone, OrdersFlow

router = Router(name=__name__)


@router.message(StateFilter(None), PLAIN_TEXT)
async def to_client(message: Message, user: User, conversations: Conversations) -> None:
    assert message.text is not None
    incoming = Incoming(message.chat.id, message.message_id, "text", message.text)
    try:
        hint_due = await conversations.relay(user, incoming)
    except NotInChat as exc:  # the hint's button sends this very text after all
        markup = kb.send_to_client(exc.order.id, exc.order.number)
        await message.reply(error_text(exc), reply_markup=markup)
        return
    if hint_due:
        await message.answer(texts.relay_no_name(user.tg_name))


@router.callback_query(ConvCb.filter(F.action == ConvAction.OPEN_ORDER))
async def switch_to_order(
    callback: CallbackQuery,
    callback_data: ConvCb,
    user: User,
    orders_flow: OrdersFlow,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    chat_id = callback.from_user.id
    pins = ChatPins(bot, chat_id, settings, orders_flow)
    try:
        opened = await orders_flow.open_order(user, callback_data.order_id, pins)
    except OrderGone as exc:
        await answer_error(callback, exc, overrides={OrderGone: texts.SWITCH_ORDER_GONE})
        return
    await callback.answer()
    await leave_dialog(state)  # another order: a prompt about the previous one lapses
    await show_opened(bot, chat_id, opened, settings, orders_flow, pins)


@router.callback_query(ConvCb.filter(F.action == ConvAction.CHAT))
async def enter_chat(
    callback: CallbackQuery,
    callback_data: ConvCb,
    user: User,
    orders_flow: OrdersFlow,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    """The card's "💬 Написать клиенту": that order's chat (opened first if it is another order); a
    search or another dialog under way ends, so the next text goes to the client."""
    chat_id = callback.from_user.id
    pins = ChatPins(bot, chat_id, settings, orders_flow)
    entered = await orders_flow.enter_chat(user, callback_data.order_id, pins)
    await callback.answer()
    await leave_dialog(state)
    if entered.opened is not None:
        await show_opened(bot, chat_id, entered.opened, settings, orders_flow, pins)
    else:
        await bot.send_message(chat_id, texts.chat_entered(entered.order.number))


@router.callback_query(ConvCb.filter(F.action == ConvAction.SEND))
async def send_after_all(
    callback: CallbackQuery,
    callback_data: ConvCb,
    user: User,
    orders_flow: OrdersFlow,
    conversations: Conversations,
    state: FSMContext,
    bot: Bot,
) -> None:
    """The hint's button: the text it replies to goes to the client, and the order's chat is entered
    (a dialog begun since then ends)."""
    hint = callback.message
    original = hint.reply_to_message if isinstance(hint, Message) else None
    if original is None or not original.text or original.chat.id != callback.from_user.id:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    await orders_flow.back_to_chat(user, callback_data.order_id)
    await leave_dialog(state)
    incoming = Incoming(original.chat.id, original.message_id, "text", original.text)
    try:
        hint_due = await conversations.relay(user, incoming)
    except RelayError as exc:
        await callback.answer()
        await bot.send_message(original.chat.id, error_text(exc))
        return
    await callback.answer(texts.SENT_AFTER_ALL)
    assert isinstance(hint, Message)
    with contextlib.suppress(TelegramBadRequest):  # already edited by a double tap: the text went once
        await bot.edit_message_reply_markup(
            chat_id=original.chat.id, message_id=hint.message_id, reply_markup=None
        )
    if hint_due:
        await bot.send_message(original.chat.id, texts.relay_no_name(user.tg_name))
