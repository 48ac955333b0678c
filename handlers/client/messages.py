"""Clients: replies to the staff member who last wrote, and requests to customer care."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

import texts
from config import Settings
from database.orders import Order
from database.users import User
from handlers.filters import NOT_COMMAND, Match
from keyboards import conversations as kb
from keyboards.callbacks import ClientAction, ClientCb
from runtime.telegram_files import TelegramFiles, incoming_file
from services.conversations import ClientRoute, Conversations, Incoming, RouteKind
from services.media import IncomingFile, MediaService
from services.uploads import ClientUploads

log = logging.getLogger(__name__)

router = Router(name=__name__)

NO_ROUTE = ClientRoute(RouteKind.NOBODY, [])

CONTENT = Match((F.text & ~F.text.startswith("/")) | F.photo | F.video | F.document)


class CareRequest(StatesGroup):
    text = State()


def incoming(message: Message) -> Incoming:
    chat, mid = message.chat.id, message.message_id
    if message.photo:
        return Incoming(chat, mid, "photo", message.caption or "", message.photo[-1].file_id)
    if message.video:
        return Incoming(chat, mid, "video", message.caption or "", message.video.file_id)
    if message.document:
        return Incoming(chat, mid, "document", message.caption or "", message.document.file_id)
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
    conversations: Conversations,
    media: MediaService,
    client_uploads: ClientUploads,
    settings: Settings,
    bot: Bot,
    album: list[Message] | None = None,
) -> None:
    await state.clear()
    parts = album or [message]
    files = ClientFiles(media, client_uploads, TelegramFiles(bot, settings.telegram_api_local))
    order = await conversations.file_order(user, NO_ROUTE)
    saved = [await files.keep(part, user, order) for part in parts]
    await _send_to_care(message, user, [incoming(part) for part in parts], conversations, saved)


@router.message(StateFilter(CareRequest.text), NOT_COMMAND)
async def care_request_again(message: Message) -> None:
    await message.answer(texts.CARE_ASK_AGAIN, reply_markup=kb.client_cancel())


@router.callback_query(ClientCb.filter(F.action == ClientAction.TO_CARE))
async def pending_to_care(
    callback: CallbackQuery, user: User, state: FSMContext, conversations: Conversations
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
    await _send_to_care(callback.message, user, [Incoming(**item) for item in pending], conversations, saved)


async def _send_to_care(
    answer_to: Message,
    user: User,
    items: list[Incoming],
    conversations: Conversations,
    saved: list[str | None],
) -> None:
    for item in items:
        await conversations.check_attention(user, item, None)
    markup = kb.as_payload(kb.reply_to_client(user.telegram_id))
    if len(items) == 1:
        sent = await conversations.send_care_request(user, items[0], markup, saved[0])
    else:
        sent = await conversations.send_care_album(user, items, markup, saved)
    await answer_to.answer(texts.CARE_SENT if sent else texts.CARE_NOBODY)


@router.message(StateFilter(None), CONTENT)
async def from_client(
    message: Message,
    user: User,
    state: FSMContext,
    conversations: Conversations,
    media: MediaService,
    client_uploads: ClientUploads,
    settings: Settings,
    bot: Bot,
    album: list[Message] | None = None,
) -> None:
    parts = album or [message]  # an album comes whole, in one call (runtime/polling.py)
    items = [incoming(part) for part in parts]
    files = ClientFiles(media, client_uploads, TelegramFiles(bot, settings.telegram_api_local))
    replied = message.reply_to_message.message_id if message.reply_to_message is not None else None
    route = await conversations.client_route(user, replied)
    for item in items:
        await conversations.check_attention(user, item, route.order)
    # kept in the client's open order whoever the message goes to (before any answer: nothing is lost)
    order = await conversations.file_order(user, route)
    saved = [await files.keep(part, user, order) for part in parts]
    if route.kind is RouteKind.NOBODY:
        await state.update_data(pending=[asdict(item) for item in items], pending_files=saved)
        has_orders = bool(await conversations.client_orders(user))
        await message.answer(
            texts.CLIENT_NOBODY if has_orders else texts.CLIENT_NO_ORDER, reply_markup=kb.offer_care()
        )
        return
    if route.kind is RouteKind.STAFF:
        assert route.order is not None
        markup = kb.switch_order(route.order.id, route.order.number)
    else:
        markup = kb.reply_to_client(user.telegram_id)
    if album:
        await conversations.forward_album_from_client(user, route, items, kb.as_payload(markup), saved)
    else:
        await conversations.forward_from_client(user, route, items[0], kb.as_payload(markup), saved[0])


class ClientFiles:
    """A client's photo, video or document about an open order is kept in the order's folder,
    within the client's upload quotas (a file over them still reaches staff, by file id)."""

    def __init__(self, media: MediaService, uploads: ClientUploads, telegram: TelegramFiles) -> None:
        self._media = media
        self._uploads = uploads
        self._telegram = telegram

    async def keep(self, message: Message, user: User, order: Order | None) -> str | None:
        file = incoming_file(message)
        if file is None or order is None:
            return None
        refusal = await self._uploads.reserve(file.key, user.telegram_id, order.id, file.file_size)
        if refusal is not None:
            log.warning("Client %s over the upload quota; %s not saved", user.telegram_id, file.key)
            await message.answer(texts.upload_quota_exceeded(refusal.per_order, refusal.limit_mb))
            return None

        async def fetch(item: IncomingFile, target: Path) -> None:
            await self._telegram.fetch(item.file_id, target, item.file_size)

        saved = await self._media.save_client_file(order, file, fetch)
        await self._uploads.settle(file.key, None if saved is None else (file.file_size or 0))
        return saved
