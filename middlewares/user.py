"""Loads the sender once per update and stops inactive users before any handler runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, TelegramObject, Update
from aiogram.types import User as TgUser

import texts
from database.users import UserRepo
from services.last_seen import LastSeen

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UserMiddleware(BaseMiddleware):
    """Outer update middleware: injects `user` (database.users.User or None) and notes when a known
    person was last seen (at most one write per person per few minutes, see services/last_seen.py)."""

    def __init__(self, users: UserRepo, seen: LastSeen | None = None) -> None:
        self._users = users
        self._seen = seen

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: TgUser | None = data.get("event_from_user")
        user = await self._users.get(sender.id) if sender else None
        data["user"] = user
        if user is not None and self._seen is not None:
            await self._seen.saw(user.telegram_id)
        if user is not None and not user.is_active:
            log.info("Blocked user %s tried to use the bot", user.telegram_id)
            await _answer_blocked(event)
            return None
        return await handler(event, data)


async def _answer_blocked(update: TelegramObject) -> None:
    if not isinstance(update, Update):
        return
    if isinstance(update.message, Message):
        await update.message.answer(texts.ACCESS_BLOCKED, reply_markup=ReplyKeyboardRemove())
    elif isinstance(update.callback_query, CallbackQuery):
        await update.callback_query.answer(texts.ACCESS_BLOCKED, show_alert=True)
