"""Clients: replies to the staff member who last wrote, and requests to customer care.

What happens to a client's message is services.client_messages.ClientMessages; here it is read from
the update and answered.
"""

from __future__ import annotations

from dataclasses import asdict

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

import texts
from database.users import User
from handlers.filters import NOT_COMMAND, Match
from keyboards import conversations as kb
from keyboards.callbacks import ClientAction, ClientCb
from runtime.telegram_files import incoming_file
from services.client_messages import ClientMessages, ClientPart, Refusal
from services.conversations import Incoming

router = Router(name=__name__)

CONTENT = Match((F.text & ~F.text.startswith("/")) | F.photo | F.video | F.document)


class CareRequest(StatesGroup):
    text = State()


def incoming(message: Message) -> Incoming:
    chat, mid = message.chat.id, message.message_id
    if message.photo:
        return Incoming(chat, mid, "photo", message.caption or "", message.photo[-1].file_id)
    if message.video:
        video = message.video
        return Incoming(chat, mid, "video", message.caption or "", video.file_id, video.file_name)
    if message.document:
        document = message.document
        return Incoming(chat, mid, "document", message.caption or "", document.file_id, document.file_name)
    return Incoming(chat, mid, "text", message.text or "")


@router.message(Command("support"))
@router.message(Match(F.text == texts.CARE_BUTTON))
async def ask_care(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(CareRequest.text)
    await message.answer(texts.CARE_ASK, reply_markup=kb.client_cancel())


@router.callback_query(ClientCb.filter(F.action == ClientAction.CANCEL))
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.CANCELLED)


@router.message(StateFilter(CareRequest.text), CONTENT)
async def care_request(
    message: Message,
    user: User,
    state: FSMContext,
    client_messages: ClientMessages,
    album: list[Message] | None = None,
) -> None:
    await state.clear()
    result = await client_messages.to_care(user, parts(album or [message]))
    await _refused(message, result.refused)
    await message.answer(texts.CARE_SENT if result.sent else texts.CARE_NOBODY)


@router.message(StateFilter(CareRequest.text), NOT_COMMAND)
async def care_request_again(message: Message) -> None:
    await message.answer(texts.CARE_ASK_AGAIN, reply_markup=kb.client_cancel())


@router.callback_query(ClientCb.filter(F.action == ClientAction.TO_CARE))
async def pending_to_care(
    callback: CallbackQuery, user: User, state: FSMContext, client_messages: ClientMessages
) -> None:
    data = await state.get_data()
    pending = data.get("pending") or []
    if isinstance(pending, dict):  # a single message, as a dialog saved by an earlier release holds it
        pending = [pending]
    saved = data.get("pending_files") or [data.get("pending_file")] * len(pending)
    await state.clear()
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    if not pending:
        await state.set_state(CareRequest.text)
        await callback.message.answer(texts.CARE_ASK, reply_markup=kb.client_cancel())
        return
    await callback.message.edit_reply_markup(reply_markup=None)
    sent = await client_messages.pending_to_care(user, [Incoming(**item) for item in pending], saved)
    await callback.message.answer(texts.CARE_SENT if sent else texts.CARE_NOBODY)


@router.message(StateFilter(None), CONTENT)
async def from_client(
    message: Message,
    user: User,
    state: FSMContext,
    client_messages: ClientMessages,
    album: list[Message] | None = None,
) -> None:
    replied = message.reply_to_message.message_id if message.reply_to_message is not None else None
    # an album comes whole, in one call (runtime/polling.py)
    result = await client_messages.handle(user, parts(album or [message]), replied, album=bool(album))
    await _refused(message, result.refused)
    if not result.forwarded:  # the client may send it to customer care with one tap
        pending = [asdict(item) for item in result.pending]
        await state.update_data(pending=pending, pending_files=result.pending_paths)
        text = texts.CLIENT_NOBODY if result.has_orders else texts.CLIENT_NO_ORDER
        await message.answer(text, reply_markup=kb.offer_care())


def parts(messages: list[Message]) -> list[ClientPart]:
    return [ClientPart(incoming(part), incoming_file(part)) for part in messages]


async def _refused(message: Message, refused: list[Refusal]) -> None:
    """Files over the client's upload quotas still reached staff; only keeping them was refused. One
    answer per quota for a whole album."""
    for refusal in refused:
        per_order, limit = refusal.quota.per_order, refusal.quota.limit_mb
        if refusal.of > 1:
            text = texts.album_upload_quota_exceeded(per_order, limit, refusal.files, refusal.of)
        else:
            text = texts.upload_quota_exceeded(per_order, limit)
        await message.answer(text)
