"""Photos, videos, documents and albums from staff: filed into the current order and stage.

The work is done by services.media.MediaService; this module only turns messages into
`IncomingFile`s and answers when nothing could be filed. The confirmation ("saved 12 files,
sent to the client") comes later from the outbox's "media" reporter, once delivery is done.
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot, Router
from aiogram.types import Message

import texts
from config import Settings
from database.users import User
from handlers.filters import FILE
from runtime.telegram_files import TelegramFiles, incoming_file
from services.media import IncomingFile, MediaService, Problem

router = Router(name=__name__)

_PROBLEMS = {
    Problem.NO_ORDER: texts.MEDIA_NO_ORDER,
    Problem.NO_TYPE: texts.MEDIA_NO_TYPE,
    Problem.ORDER_CLOSED: texts.MEDIA_ORDER_CLOSED,
}


@router.message(FILE)
async def media_received(
    message: Message,
    bot: Bot,
    user: User,
    media: MediaService,
    settings: Settings,
    album: list[Message] | None = None,
) -> None:
    files = [item for item in map(incoming_file, album or [message]) if item is not None]
    telegram = TelegramFiles(bot, settings.telegram_api_local)

    async def fetch(item: IncomingFile, target: Path) -> None:
        await telegram.fetch(item.file_id, target, item.file_size)

    problem = await media.intake(user, files, fetch)
    if problem is not None:
        await message.reply(_PROBLEMS[problem])
