"""Photos, videos, documents and albums from staff: filed into the current order and stage.

The work is done by services.media.MediaService; this module only turns messages into
`IncomingFile`s and answers when nothing could be filed. The confirmation ("saved 12 files,
sent to the client") comes later from the outbox's "media" reporter, once delivery is done.
Files sent before a stage is chosen are held and the stage is asked with buttons; tapping one
files them (handlers/employee/orders.py `type_picked`).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

import texts
from config import Settings
from database.users import User
from handlers.employee.marks import MarkNote
from handlers.errors import PROBLEM_TEXTS
from handlers.filters import FILE
from keyboards import orders as kb
from runtime.telegram_files import TelegramFiles, incoming_file
from services.media import Fetch, Held, MediaService, Problem

router = Router(name=__name__)


def file_fetcher(bot: Bot, settings: Settings) -> Fetch:
    """How the media service gets the bytes of a file someone sent."""
    return TelegramFiles(bot, settings.telegram_api_local).fetch_incoming


@router.message(FILE)
async def media_received(
    message: Message,
    bot: Bot,
    user: User,
    media: MediaService,
    settings: Settings,
    state: FSMContext,
    album: list[Message] | None = None,
) -> None:
    if await state.get_state() == MarkNote.text.state:  # new files: the note prompt of earlier ones lapses
        await state.clear()
    files = [item for item in map(incoming_file, album or [message]) if item is not None]
    outcome = await media.intake(user, files, file_fetcher(bot, settings))
    await answer_outcome(message, outcome, settings)


async def answer_outcome(message: Message, outcome: Problem | Held | None, settings: Settings) -> None:
    """Held files: the stage buttons of their order (or "choose the order"); a Problem: why not filed.
    Filed files are confirmed later by the outbox's report."""
    if isinstance(outcome, Held) and outcome.order is None:
        await message.reply(texts.media_held_no_order(outcome.count))
    elif isinstance(outcome, Held):
        markup = kb.type_choice(outcome.order, settings, chat_button=False)
        await message.reply(texts.media_held(outcome.order.number, outcome.count), reply_markup=markup)
    elif outcome is not None:
        await message.reply(PROBLEM_TEXTS[outcome])
