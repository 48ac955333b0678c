"""A /command or a menu button ends the dialog under way before any handler sees it (handlers/dialogs.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from handlers.dialogs import ends_dialog, leave_dialog

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class CommandEndsDialog(BaseMiddleware):
    """Outer message middleware (after the FSM context is known): the state filters of the handlers
    that follow see no dialog, so a waiting prompt can never take the command or the next text."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state = data.get("state")
        if isinstance(event, Message) and isinstance(state, FSMContext) and ends_dialog(event.text):
            left = await state.get_state()
            if await leave_dialog(state):
                log.info("Chat %s: %r ended the dialog %s", event.chat.id, (event.text or "")[:32], left)
                data["raw_state"] = None
        return await handler(event, data)
