"""Getting the bytes of a file someone sent the bot into a path (used by services.media_store).

Official cloud Bot API: getFile + an HTTP download, streamed to disk by aiogram (up to 20 MB;
beyond that Telegram answers "file is too big"). Official local Bot API server (`--local`):
getFile returns an absolute path on this machine, up to 2000 MB; that file is copied in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import aiofiles
import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError

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
