"""Failures, in one place: the Russian answer to each domain error, and the last resort.

Services raise domain errors (services.admin.AdminError, services.orders_flow.OrderFlowError,
services.conversations.RelayError, services.recognition.errors.UnreadableImage); `ERROR_TEXTS` says
what the sender is told for each. A handler that has nothing to add lets the error go: `refused`
answers it (a button with an alert, a message with a message). A handler that keeps a keyboard or a
dialog going catches the error and answers with `answer_error`, the same text.

Anything else that fails is logged and the sender told. A transient failure (Telegram or the network,
see runtime.session.is_transient) is not answered here: it goes back to the polling loop, which keeps
the update in the inbox and runs it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import (
    CallbackQuery,
    ErrorEvent,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

import texts
from runtime.session import is_transient
from services import admin, conversations, orders_flow, registration
from services.inspection.statuses import StatusGone
from services.media import Problem
from services.recognition.errors import UnreadableImage

log = logging.getLogger(__name__)
router = Router(name=__name__)

ErrorText = Callable[[Any], str]

ERROR_TEXTS: dict[type[Exception], ErrorText] = {
    # registration
    registration.ForeignContact: lambda _: texts.FOREIGN_CONTACT,
    registration.UnreadablePhone: lambda _: texts.BAD_CONTACT_PHONE,
    # choosing a work order and its stage
    orders_flow.OrderGone: lambda _: texts.ORDER_STALE,
    orders_flow.StageGone: lambda _: texts.TYPE_STALE,
    orders_flow.NoCurrentOrder: lambda _: texts.TYPE_NEED_ORDER,
    orders_flow.OrderChanged: lambda _: texts.SEND_ORDER_CHANGED,
    orders_flow.PageGone: lambda _: texts.ORDER_PAGE_STALE,
    StatusGone: lambda _: texts.STATUS_STALE,
    # an employee's text for the client
    conversations.NoOrderChosen: lambda _: texts.RELAY_NO_ORDER,
    conversations.OrderClosed: lambda exc: texts.relay_order_closed(exc.order.number),
    conversations.ClientNotConnected: lambda exc: texts.relay_no_client(exc.order.number),
    conversations.NotInChat: lambda exc: texts.relay_not_in_chat(exc.order.number),
    # the admin menu
    admin.BadPhone: lambda _: texts.ADMIN_BAD_PHONE,
    admin.UserNotFound: lambda _: texts.ADMIN_USER_GONE,
    admin.LastAdmin: lambda _: texts.ADMIN_LAST_ADMIN,
    admin.BadName: lambda _: texts.ADMIN_BAD_NAME,
    admin.OrderNotFound: lambda exc: texts.admin_order_not_found(str(exc)),
    admin.BadQuery: lambda _: texts.ADMIN_FIND_BAD,
    admin.NobodyFound: lambda exc: texts.admin_nobody_found(str(exc)),
    admin.InviteGone: lambda _: texts.ADMIN_INVITE_GONE,
    admin.PhoneConnected: lambda _: texts.ADMIN_INVITE_CONNECTED,
    # recognition
    UnreadableImage: lambda _: texts.RECOGNITION_UNREADABLE,
}

# Why staff files were not filed (services.media.Problem, a result rather than an exception). Intake
# holds files sent before an order or a stage instead; kept so every Problem has an answer.
PROBLEM_TEXTS: dict[Problem, str] = {
    Problem.NO_ORDER: texts.MEDIA_NO_ORDER,
    Problem.NO_TYPE: texts.MEDIA_NO_TYPE,
    Problem.ORDER_CLOSED: texts.MEDIA_ORDER_CLOSED,
}


def error_text(exc: Exception, overrides: Mapping[type[Exception], str] | None = None) -> str:
    """The answer to a domain error: its own type first, then its base classes (`overrides` first:
    a handler where the same error reads better in other words)."""
    for kind in type(exc).__mro__:
        if overrides and kind in overrides:
            return overrides[kind]
        if kind in ERROR_TEXTS:
            return ERROR_TEXTS[kind](exc)
    raise LookupError(f"no answer for {type(exc).__name__}") from exc


async def answer_error(
    event: Message | CallbackQuery,
    exc: Exception,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply | None = None,
    overrides: Mapping[type[Exception], str] | None = None,
) -> None:
    """Tell the sender why not: a message gets a message, a button an alert."""
    text = error_text(exc, overrides)
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    else:
        await event.answer(text, reply_markup=reply_markup)


@router.errors(ExceptionTypeFilter(*ERROR_TEXTS))
async def refused(event: ErrorEvent) -> None:
    update = event.update
    log.info("Update %s refused: %r", update.update_id, event.exception)
    target = update.message or update.callback_query
    if target is None:
        return
    try:
        await answer_error(target, event.exception)  # type: ignore[arg-type]  # one of ERROR_TEXTS
    except TelegramAPIError as exc:
        log.error("Could not tell the sender of update %s why not: %s", update.update_id, exc)


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
