"""The bot works in private chats only: groups and channels are left, never answered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update

import texts

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
_GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.KICKED})


class PrivateChatsOnly(BaseMiddleware):
    """Outer update middleware, before the user is loaded: an update from a group, supergroup or
    channel never reaches a role router (an admin menu or a protocol must not be posted there);
    the bot leaves that chat instead."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        log.warning("Update from %s chat %s ignored; leaving it", chat.type, chat.id)
        if isinstance(event, Update):
            await _refuse(event, chat, data["bot"])
        return None


async def _refuse(update: Update, chat: Chat, bot: Bot) -> None:
    try:
        if update.callback_query is not None:  # a pressed button must stop spinning
            await update.callback_query.answer(texts.PRIVATE_ONLY, show_alert=True)
        member = update.my_chat_member
        if member is not None and member.new_chat_member.status in _GONE:
            return  # already out
        await bot.leave_chat(chat.id)
    except TelegramAPIError as exc:
        log.warning("Could not leave %s chat %s: %s", chat.type, chat.id, exc)
