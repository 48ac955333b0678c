"""🟢/🟡/🔴 under the filing confirmation: mark what was just filed, then (for 🟡/🔴) a short note.

The work is services.inspection.marks.MarkService; here the confirmation is edited in place (no new
messages) and the note is awaited in an FSM state (stored in SQLite: it survives a restart).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

import texts
from database.users import User
from handlers.filters import PLAIN_TEXT
from keyboards.callbacks import MarkAction, MarkCb
from keyboards.marks import mark_buttons
from services.inspection.marks import Mark, MarkRefused, MarkService

log = logging.getLogger(__name__)
router = Router(name=__name__)

_REFUSED = {
    MarkRefused.NOT_FOUND: texts.MARK_REFUSED_NOT_FOUND,
    MarkRefused.CLOSED: texts.MARK_REFUSED_CLOSED,
}


class MarkNote(StatesGroup):
    text = State()  # the note to the mark just tapped


def _base(message: Message) -> str:
    """The confirmation without the mark lines a previous tap added."""
    lines = (message.html_text or "").split("\n")
    return "\n".join(line for line in lines if not line.startswith(texts.MARK_LINE))


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup) -> bool:
    try:
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return True
        log.info("Confirmation %s in chat %s not edited: %s", message_id, chat_id, exc.message)
        return False
    return True


@router.callback_query(MarkCb.filter(F.action == MarkAction.SET))
async def mark_tapped(
    callback: CallbackQuery,
    callback_data: MarkCb,
    user: User,
    marks: MarkService,
    state: FSMContext,
    bot: Bot,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    mark = Mark(callback_data.mark)
    result = await marks.mark(user, callback_data.media_id, mark, callback.id)
    if isinstance(result, MarkRefused):
        log.info("Mark refused for %s on media %s: %s", user.telegram_id, callback_data.media_id, result)
        await callback.answer(_REFUSED[result], show_alert=True)
        return
    await callback.answer(texts.mark_label(mark))
    base = _base(message)
    text = f"{base}\n{texts.mark_line(mark, result.note, result.ask_note)}"
    await _edit(
        bot,
        message.chat.id,
        message.message_id,
        text,
        mark_buttons(callback_data.media_id, mark, result.ask_note),
    )
    if not result.ask_note:
        if await state.get_state() == MarkNote.text.state:
            await state.clear()
        return
    await state.set_state(MarkNote.text)
    await state.set_data(
        {
            "media_ids": result.media_ids,
            "mark": str(mark),
            "followups": [list(item) for item in result.followups],
            "message_id": message.message_id,
            "base": base,
            "first": callback_data.media_id,
        }
    )


@router.callback_query(MarkCb.filter(F.action == MarkAction.NO_NOTE))
async def no_note(callback: CallbackQuery, callback_data: MarkCb, state: FSMContext, bot: Bot) -> None:
    """The mark stands without a note: the prompt goes, the marks stay to change it."""
    message = callback.message
    if await state.get_state() == MarkNote.text.state:
        await state.clear()
    await callback.answer()
    if isinstance(message, Message) and callback_data.mark in texts.MARK_EMOJI:
        text = f"{_base(message)}\n{texts.mark_line(callback_data.mark, '')}"
        await _edit(
            bot,
            message.chat.id,
            message.message_id,
            text,
            mark_buttons(callback_data.media_id, callback_data.mark),
        )


@router.message(StateFilter(MarkNote.text), PLAIN_TEXT)
async def note_typed(message: Message, user: User, marks: MarkService, state: FSMContext, bot: Bot) -> None:
    data = await state.get_data()
    await state.clear()
    mark = Mark(data["mark"])
    followups = [(int(client), str(key)) for client, key in data.get("followups", [])]
    event = f"{message.chat.id}:{message.message_id}"
    note = await marks.note(user, data["media_ids"], mark, message.text or "", followups, event)
    if note is None:
        await message.answer(texts.MARK_REFUSED_NOT_FOUND)
        return
    text = f"{data['base']}\n{texts.mark_line(mark, note)}"
    if not await _edit(
        bot, message.chat.id, int(data["message_id"]), text, mark_buttons(int(data["first"]), mark)
    ):
        await message.answer(texts.mark_line(mark, note))  # the confirmation is too old to edit
