"""Getting the bytes of a file someone sent the bot into a path (used by services.media_store).

Official cloud Bot API: getFile + an HTTP download, streamed to disk by aiogram (up to 20 MB;
beyond that Telegram answers "file is too big"). Official local Bot API server (`--local`):
getFile returns an absolute path on this machine, up to 2000 MB; that file is copied in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path, PurePath

import aiofiles
import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError
from aiogram.types import Message

from services.media import IncomingFile
from services.media_store import FetchFailed, FileTooBig

log = logging.getLogger(__name__)

CHUNK = 1 << 20
MIN_TIMEOUT = 120
SECONDS_PER_MB = 5


class TelegramFiles:
    def __init__(self, bot: Bot, local_api: bool) -> None:
        self._bot = bot
        self._local = local_api

    async def fetch(self, file_id: str, target: Path, size: int | None = None) -> None:
        """Write the file into `target`; FileTooBig or FetchFailed when that is impossible."""
        try:
            info = await self._bot.get_file(file_id)
        except TelegramBadRequest as exc:
            if "file is too big" in exc.message.lower():
                raise FileTooBig(exc.message) from exc
            raise FetchFailed(exc.message) from exc
        except TelegramAPIError as exc:
            raise FetchFailed(str(exc)) from exc
        if not info.file_path:
            raise FetchFailed("getFile returned no file_path")
        timeout = max(MIN_TIMEOUT, SECONDS_PER_MB * ((size or info.file_size or 0) >> 20))
        try:
            if self._local and Path(info.file_path).is_absolute():
                await asyncio.to_thread(shutil.copyfile, info.file_path, target)
            elif self._local:  # a local server that still hands out relative paths: fetch over HTTP
                await self._stream(info.file_path, target, timeout)
            else:
                await self._bot.download_file(
                    info.file_path, destination=target, timeout=timeout, chunk_size=CHUNK
                )
        except (TelegramNetworkError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise FetchFailed(f"download of {info.file_path} failed: {exc}") from exc

    async def _stream(self, file_path: str, target: Path, timeout: int) -> None:
        session = self._bot.session
        url = session.api.file_url(self._bot.token, file_path)
        async with aiofiles.open(target, "wb") as out:
            async for chunk in session.stream_content(url=url, timeout=timeout, chunk_size=CHUNK):
                await out.write(chunk)


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
