"""The last resort: an update whose handler failed is logged and the sender is told.

A transient failure (Telegram or the network, see runtime.session.is_transient) is not answered
here: it goes back to the polling loop, which keeps the update in the inbox and runs it again.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

import texts
from runtime.session import is_transient

log = logging.getLogger(__name__)
router = Router(name=__name__)


async def permanent(event: ErrorEvent) -> bool:
    return not is_transient(event.exception)


@router.errors(permanent)
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
