"""Telegram's length rules, the only copy: lengths are UTF-16 code units of the text after HTML parsing.

A message holds at most 4096 units, a caption 1024; an emoji outside the basic plane counts two.
Every service that fits or splits text for Telegram imports these (no aiogram here).
"""

from __future__ import annotations

import html
import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def plain_length(html_text: str) -> int:
    """Length Telegram counts for an HTML text: tags dropped, entities decoded."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def prefix_within(text: str, limit: int) -> int:
    """The longest prefix length (in characters) within `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def cut(text: str, budget: int) -> str:
    """Longest prefix of `text` within `budget` UTF-16 units, with an ellipsis when cut."""
    if utf16_len(text) <= budget:
        return text
    if budget <= 0:
        return ""
    return text[: prefix_within(text, budget - 1)].rstrip() + ELLIPSIS


def split_text(text: str, first_room: int, room: int) -> list[str]:
    """Cut raw text into parts of first_room, then room, UTF-16 units at most; at a newline or space."""
    parts: list[str] = []
    rest = text
    limit = max(1, first_room)
    while utf16_len(rest) > limit:
        end = max(1, prefix_within(rest, limit))  # a part holds at least one character
        window = rest[:end]
        for sep in ("\n", " "):
            at = window.rfind(sep)
            if at > end // 2:
                end = at + 1
                break
        parts.append(rest[:end].rstrip())
        rest = rest[end:].lstrip("\n")
        limit = room
    if rest.strip() or not parts:
        parts.append(rest)
    return parts
