"""Uploads of files from the share: the outbox turns `share-file:<rel_path>` references into files.

Files the bot filed itself are re-sent by Telegram file_id; files that appeared in an order folder
by other means (services/folder_watch/watcher.py) have none, so they are uploaded from BRANCH_PHOTO. The
path is checked again at send time, without following links: a file that vanished, or was
replaced by a link or a special file meanwhile, raises OSError and is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram.types import FSInputFile

from services.folder_watch.watcher import LOCAL_PREFIX
from services.share_paths import check_dir, check_file, refuse

_FIELDS = ("photo", "video", "document")

Converter = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def share_file(root: Path, ref: str) -> FSInputFile:
    """The file a `share-file:` reference names, checked to be a regular file inside the share."""
    parts = ref[len(LOCAL_PREFIX) :].split("/")
    if len(parts) < 2 or any(part in ("", ".", "..") for part in parts):
        raise refuse(ref, "not a path inside BRANCH_PHOTO")
    check_dir(root, *parts[:-1])
    path = Path(root, *parts)
    check_file(path, missing_ok=False)
    return FSInputFile(path, filename=parts[-1])


def uploads(root: Path) -> Converter:
    """A payload converter for the outbox: references become uploads, everything else stays. The
    path checks touch the share, so they run in a thread (only for payloads that hold a reference)."""

    def convert(args: dict[str, Any]) -> dict[str, Any]:
        for field in _FIELDS:
            value = args.get(field)
            if _is_ref(value):
                args[field] = share_file(root, value)
        media = args.get("media")
        if isinstance(media, list):
            args["media"] = [
                {**part, "media": share_file(root, part["media"])} if _is_ref(part.get("media")) else part
                for part in media
            ]
        return args

    async def converter(args: dict[str, Any]) -> dict[str, Any]:
        if not _has_ref(args):
            return args  # texts and Telegram file ids: no I/O, no thread hop
        return await asyncio.to_thread(convert, args)

    return converter


def _is_ref(value: object) -> bool:
    return isinstance(value, str) and value.startswith(LOCAL_PREFIX)


def _has_ref(args: dict[str, Any]) -> bool:
    media = args.get("media")
    parts = media if isinstance(media, list) else []
    return any(_is_ref(args.get(field)) for field in _FIELDS) or any(
        isinstance(part, dict) and _is_ref(part.get("media")) for part in parts
    )
