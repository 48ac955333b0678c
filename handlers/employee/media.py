"""Photos, videos, documents and albums from staff: filed into the current order and stage.

The work is done by services.media.MediaService; this module only turns messages into
`IncomingFile`s and answers when nothing could be filed. The confirmation ("saved 12 files,
sent to the client") comes later from the outbox's "media" reporter, once delivery is done.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from aiogram import Bot, F, Router
from aiogram.types import Message

import texts
from config import Settings
from database.users import User
from runtime.telegram_files import TelegramFiles
from services.media import IncomingFile, MediaService, Problem

router = Router(name=__name__)

_PROBLEMS = {
    Problem.NO_ORDER: texts.MEDIA_NO_ORDER,
    Problem.NO_TYPE: texts.MEDIA_NO_TYPE,
    Problem.ORDER_CLOSED: texts.MEDIA_ORDER_CLOSED,
}


@router.message(F.photo | F.video | F.document)
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


def incoming_file(message: Message) -> IncomingFile | None:
    """The file of one message (the largest photo size), or None for other content."""
    common = {
        "chat_id": message.chat.id,
        "message_id": message.message_id,
        "caption": message.caption or "",
        "media_group_id": message.media_group_id,
        "sent_at": message.date.astimezone(),
    }
    if message.photo:
        photo = message.photo[-1]
        return IncomingFile(
            kind="photo", file_id=photo.file_id, file_size=photo.file_size, file_name=None,
            extension="jpg", **common,
        )  # fmt: skip
    if message.video:
        video = message.video
        extension = PurePath(video.file_name or "").suffix.lstrip(".") or _subtype(video.mime_type, "mp4")
        return IncomingFile(
            kind="video", file_id=video.file_id, file_size=video.file_size, file_name=None,
            extension=extension, **common,
        )  # fmt: skip
    if message.document:
        document = message.document
        return IncomingFile(
            kind="document", file_id=document.file_id, file_size=document.file_size,
            file_name=document.file_name, extension="", **common,
        )  # fmt: skip
    return None


def _subtype(mime_type: str | None, default: str) -> str:
    if mime_type and "/" in mime_type:
        return mime_type.split("/", 1)[1].split(";")[0].strip() or default
    return default
