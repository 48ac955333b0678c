"""Plain data the emulator records: what the bot sent (BotMessage) and every API call (CallRecord)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApiError", "BotMessage", "CallRecord", "StoredFile"]


class ApiError(Exception):
    """Raised inside a method handler; becomes {"ok": false, ...} with the given status."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(slots=True)
class CallRecord:
    method: str  # as the bot spelled it in the URL (aiogram uses camelCase)
    params: dict[str, Any]  # JSON fields decoded; uploaded files as {"filename", "size"}
    status: int  # HTTP status answered (0 = connection dropped without an answer)
    at: float  # time.monotonic() when the request arrived
    chat_id: int | str | None = None
    description: str | None = None  # error description, None on success


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # photo | video | document | voice | sticker | animation | audio
    size: int
    data: bytes | None  # None: declared size only (huge file "on Telegram's side")
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    photo_group: list[StoredFile] | None = None  # for photos: all sizes, largest last
    file_path: str | None = None
    local_path: str | None = None


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent into a private chat. Edits mutate this object and set `edited`."""

    message_id: int
    chat_id: int
    kind: str  # text | photo | video | document | sticker | voice | audio | animation | location | ...
    date: int
    text: str | None = None  # plain text after entity parsing (text messages)
    html: str | None = None  # raw text as sent (text messages) or raw caption as sent (media)
    caption: str | None = None  # plain caption after entity parsing
    parse_mode: str | None = None
    entities: list[dict] = field(default_factory=list)  # entities of text or caption
    file_id: str | None = None  # for photos: the largest size
    file_unique_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    media_group_id: str | None = None  # set for album parts (kind stays the media kind)
    reply_markup: dict | None = None  # as sent (inline, reply keyboard, remove_keyboard, force_reply)
    edited: bool = False
    deleted: bool = False
    forwarded: bool = False
    copied_from: tuple[int, int] | None = None  # (from_chat_id, message_id) for copyMessage
    raw: dict = field(default_factory=dict, repr=False)  # the Message object as returned to the bot

    @property
    def content(self) -> str:
        """Text or caption, whichever this message has ("" if none)."""
        return self.text if self.text is not None else (self.caption or "")

    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline keyboard buttons as (text, callback_data) in reading order."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [(b.get("text", ""), b.get("callback_data")) for row in rows for b in row]

    def inline_rows(self) -> list[list[dict]]:
        return list((self.reply_markup or {}).get("inline_keyboard") or [])

    def reply_buttons(self) -> list[tuple[str, bool]]:
        """Reply keyboard buttons as (text, request_contact)."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        out = []
        for row in rows:
            for b in row:
                if isinstance(b, str):
                    out.append((b, False))
                else:
                    out.append((b.get("text", ""), bool(b.get("request_contact"))))
        return out

    def describe(self) -> str:
        flags = "".join(
            f" [{name}]" for name, on in (("edited", self.edited), ("deleted", self.deleted)) if on
        )
        group = f" group={self.media_group_id}" if self.media_group_id else ""
        body = self.content.replace("\n", "\\n")
        if len(body) > 300:
            body = body[:300] + "..."
        line = f"#{self.message_id} {self.kind}{group}{flags}: {body!r}"
        if self.buttons():
            line += f" inline={self.buttons()}"
        if self.reply_buttons():
            line += f" reply_kb={self.reply_buttons()}"
        return line


async def wait_until(
    condition: Callable[[], bool],
    changed: Callable[[], asyncio.Event],
    timeout: float,
    failure: Callable[[], str],
) -> None:
    """Wait until `condition()` holds, re-checked whenever `changed()` fires and every 50 ms;
    on timeout raise AssertionError(failure())."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(failure())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed().wait(), min(remaining, 0.05))
