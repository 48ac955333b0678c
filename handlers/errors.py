"""The last resort: an update whose handler failed is logged and the sender is told."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

import texts

log = logging.getLogger(__name__)
router = Router(name=__name__)


@router.errors()
async def on_error(event: ErrorEvent) -> None:
    update = event.update
    log.error("Update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    try:
        if update.message is not None:
            await update.message.answer(texts.INTERNAL_ERROR)
        elif update.callback_query is not None:
            await update.callback_query.answer(texts.INTERNAL_ERROR, show_alert=True)
    except TelegramAPIError as exc:
        log.error("Could not tell the sender of update %s about the failure: %s", update.update_id, exc)
