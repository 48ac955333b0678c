"""How filed media reach a client: grouping into Bot API calls and fitting captions (no aiogram).

Telegram's rules: an album (sendMediaGroup) holds 2..10 items; documents may only be grouped
with documents; a caption is at most 1024 characters (UTF-16 code units) after HTML parsing.
Files are re-sent by file_id, so nothing is uploaded again and edits drawn in Telegram's photo
editor travel with the photo.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from database.outbox import Delivery, Method
from services.telegram_text import CAPTION_LIMIT, cut, plain_length

MAX_GROUP = 10
_METHODS = {"photo": Method.PHOTO, "video": Method.VIDEO, "document": Method.DOCUMENT}


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    ref: int  # the caller's id for it (a media row id)
    kind: str  # photo | video | document
    file_id: str
    caption: str  # the employee's own caption, plain text


def fit_caption(header_html: str, caption: str, limit: int = CAPTION_LIMIT) -> str:
    """`header` (trusted HTML, kept whole) + newline + the escaped `caption`, cut to fit `limit`."""
    caption = caption.strip()
    if not header_html:
        return html.escape(cut(caption, limit), quote=False)
    if not caption:
        return header_html
    budget = limit - plain_length(header_html) - 1
    shortened = cut(caption, budget)
    return f"{header_html}\n{html.escape(shortened, quote=False)}" if shortened else header_html


def plan_groups(files: Sequence[OutgoingFile], max_group: int = MAX_GROUP) -> list[list[OutgoingFile]]:
    """Split into Bot API calls: photos/videos together, documents apart, at most `max_group` each.

    Order is kept within each kind; the kind that came first is sent first. A group of one is
    sent as a single photo/video/document by `build_deliveries`.
    """
    visual = [f for f in files if f.kind != "document"]
    documents = [f for f in files if f.kind == "document"]
    parts = [visual, documents]
    if files and files[0].kind == "document":
        parts.reverse()
    return [part[i : i + max_group] for part in parts for i in range(0, len(part), max_group)]


def group_payload(group: Sequence[OutgoingFile], header_html: str) -> tuple[Method, dict[str, object]]:
    """The Bot API call for one group: the header goes on its first item, each item keeps its caption."""
    captions = [
        fit_caption(header_html if index == 0 else "", item.caption) for index, item in enumerate(group)
    ]
    if len(group) == 1:
        item = group[0]
        payload: dict[str, object] = {item.kind: item.file_id}
        if captions[0]:
            payload["caption"] = captions[0]
        return _METHODS[item.kind], payload
    media = []
    for item, caption in zip(group, captions, strict=True):
        part: dict[str, object] = {"type": item.kind, "media": item.file_id}
        if caption:
            part["caption"] = caption
        media.append(part)
    return Method.MEDIA_GROUP, {"media": media}


def build_deliveries(
    chat_id: int, files: Sequence[OutgoingFile], header_html: str, key_prefix: str
) -> list[tuple[Delivery, list[int]]]:
    """Deliveries for one chat with dedup keys `<key_prefix>:<refs>`, each with the refs it carries."""
    out = []
    for group in plan_groups(files):
        method, payload = group_payload(group, header_html)
        refs = [item.ref for item in group]
        key = f"{key_prefix}:{'.'.join(str(ref) for ref in refs)}"
        out.append((Delivery(chat_id, method, payload, key), refs))
    return out
