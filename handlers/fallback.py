"""Registered last: whatever no role router took gets a clear answer, never silence."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

import texts
from database.users import User
from handlers.filters import Match

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.callback_query()
async def unknown_button(callback: CallbackQuery) -> None:
    log.info("Refused button %r from %s", callback.data, callback.from_user.id)
    await callback.answer(texts.BUTTON_NO_RIGHTS, show_alert=True)


@router.message(Match(F.text | F.photo | F.video | F.document))
async def unhandled(message: Message, user: User | None) -> None:
    await message.answer(texts.NOT_REGISTERED if user is None else texts.UNKNOWN_INPUT)


@router.message()
async def unsupported(message: Message, user: User | None) -> None:
    log.info("Unsupported %s from %s", message.content_type, message.chat.id)
    await message.answer(texts.NOT_REGISTERED if user is None else texts.UNSUPPORTED_CONTENT)
