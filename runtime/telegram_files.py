"""Getting the bytes of a file someone sent the bot into a path (used by services.media.store).

Official cloud Bot API: getFile + an HTTP download, streamed to disk by aiogram (up to 20 MB;
beyond that Telegram answers "file is too big"). Official local Bot API server (`--local`):
getFile returns an absolute path on this machine, up to 2000 MB; that file is copied in a thread.

getFile is retried by the session; the download itself is retried here (a 5xx or HTML page from a
proxy, a connection cut mid-body, a short file). What still fails is `TransientFailure`: it leaves
the media service untouched and tells the polling loop to run the update again later. Only a
permanent refusal (too big, unknown file id) is `FileTooBig` / `FetchFailed`. No message here ever
holds a download URL: it contains the bot token.
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
from aiogram.types import File, Message

from runtime.session import TransientFailure, backoff_delay, is_transient
from services.media import IncomingFile
from services.media.store import FetchFailed, FileTooBig

log = logging.getLogger(__name__)

CHUNK = 1 << 20
MIN_TIMEOUT = 120
SECONDS_PER_MB = 5
DOWNLOAD_ATTEMPTS = 6  # about 30 s of backoff; then the update is retried from the inbox


class TelegramFiles:
    def __init__(self, bot: Bot, local_api: bool) -> None:
        self._bot = bot
        self._local = local_api

    async def fetch_incoming(self, item: IncomingFile, target: Path) -> None:
        """services.media.Fetch: the file someone sent, into `target`."""
        await self.fetch(item.file_id, target, item.file_size)

    async def fetch(self, file_id: str, target: Path, size: int | None = None) -> None:
        """Write the file into `target`: FileTooBig / FetchFailed (permanent) or TransientFailure."""
        attempt = 0
        while True:
            attempt += 1
            info = await self._file_info(file_id)
            try:
                await self._download(info, target, size)
                return
            except _DownloadError as exc:
                if attempt >= DOWNLOAD_ATTEMPTS:
                    raise TransientFailure(f"download of file {file_id} failed: {exc}") from None
                delay = backoff_delay(attempt)
                log.warning("Download of file %s failed (%s); retrying in %.1f s", file_id, exc, delay)
                await asyncio.sleep(delay)

    async def _file_info(self, file_id: str) -> File:
        try:
            info = await self._bot.get_file(file_id)  # the session retries transient failures
        except TelegramBadRequest as exc:
            if "file is too big" in exc.message.lower():
                raise FileTooBig(exc.message) from None
            raise FetchFailed(f"getFile refused file {file_id}: {exc.message}") from None
        except Exception as exc:
            if is_transient(exc):
                raise TransientFailure(f"getFile for file {file_id} failed: {type(exc).__name__}") from None
            if isinstance(exc, TelegramAPIError):
                raise FetchFailed(f"getFile refused file {file_id}: {exc.message}") from None
            raise
        if not info.file_path:
            raise FetchFailed(f"getFile returned no file_path for file {file_id}")
        return info

    async def _download(self, info: File, target: Path, size: int | None) -> None:
        """One attempt; `_DownloadError` (status only, never the URL) when it may work next time."""
        assert info.file_path is not None
        expected = size or info.file_size
        timeout = max(MIN_TIMEOUT, SECONDS_PER_MB * ((expected or 0) >> 20))
        try:
            if self._local and Path(info.file_path).is_absolute():
                await asyncio.to_thread(shutil.copyfile, info.file_path, target)
            elif self._local:  # a local server that still hands out relative paths: fetch over HTTP
                await self._stream(info.file_path, target, timeout)
            else:
                await self._bot.download_file(
                    info.file_path, destination=target, timeout=timeout, chunk_size=CHUNK
                )
        except aiohttp.ClientResponseError as exc:
            if exc.status in PERMANENT_STATUSES:
                raise FetchFailed(f"download of file {info.file_id} refused: HTTP {exc.status}") from None
            raise _DownloadError(f"HTTP {exc.status}") from None
        except (TelegramNetworkError, aiohttp.ClientError, TimeoutError) as exc:
            raise _DownloadError(type(exc).__name__) from None
        got = await asyncio.to_thread(lambda: target.stat().st_size)
        if info.file_size is not None and got != info.file_size:  # cut mid-body without an error
            raise _DownloadError(f"got {got} of {info.file_size} bytes")

    async def _stream(self, file_path: str, target: Path, timeout: int) -> None:
        session = self._bot.session
        url = session.api.file_url(self._bot.token, file_path)
        async with aiofiles.open(target, "wb") as out:
            async for chunk in session.stream_content(url=url, timeout=timeout, chunk_size=CHUNK):
                await out.write(chunk)


# Each attempt asks getFile for a fresh path first, so a 404 is a file that is gone, not an expired path.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 413})


class _DownloadError(Exception):
    """A download attempt that may succeed next time; the message is safe to log."""


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
