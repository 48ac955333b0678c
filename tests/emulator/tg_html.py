"""Telegram's HTML parse_mode, strictly: text + MessageEntity dicts, or HtmlParseError.

Error texts follow tdlib (``can't parse entities: Unsupported start tag "foo" at byte offset 0``).
One deliberate difference: a ``&`` that does not start ``&lt; &gt; &amp; &quot;`` or a numeric entity
is an error here (real Telegram shows it literally) - it almost always means a missing html.escape().
"""

from __future__ import annotations

import html as _stdhtml
import re

__all__ = ["HtmlParseError", "parse_html", "plain_entities", "utf16_len"]

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z][a-zA-Z0-9]{0,15}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]*")
_PLAIN_RE = re.compile(r"[^<&]+")
_WS = " \t\r\n"


class HtmlParseError(ValueError):
    """tdlib-style detail; the API description is "Bad Request: can't parse entities: " + this."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Open:
    __slots__ = ("attrs", "language", "start", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], start: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.start = start
        self.language: str | None = None


def _decode_entity(text: str, i: int, strict_ampersand: bool) -> tuple[str, int]:
    m = _ENTITY_RE.match(text, i)
    if m is not None:
        dec, hexa, name = m.groups()
        if name is not None:
            if name in _NAMED:
                return _NAMED[name], m.end()
        else:
            code = int(dec) if dec is not None else int(hexa, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), m.end()
    if strict_ampersand:
        end = text.find(";", i, i + 20)
        frag = text[i : end + 1] if end > 0 else text[i : i + 8]
        raise HtmlParseError(
            f'Unsupported HTML entity "{frag}" at byte offset {_byte_offset(text, i)}'
            " (the emulator is strict: escape a literal & as &amp;)"
        )
    return "&", i + 1


def _parse_attrs(text: str, i: int, tag: str, tag_pos: int) -> tuple[dict[str, str], int]:
    """Parse attributes from i (just after the tag name) up to and including '>'."""
    n = len(text)
    attrs: dict[str, str] = {}
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_pos)}')
        if text[i] == ">":
            return attrs, i + 1
        m = _ATTR_NAME_RE.match(text, i)
        name = m.group(0).lower()
        if not name:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, i)}'
            )
        i = m.end()
        while i < n and text[i] in _WS:
            i += 1
        if i >= n or text[i] != "=":
            if tag in ("blockquote", "pre", "code") or name == "expandable":
                attrs[name] = ""
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, i)}"
            )
        i += 1
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_pos)}')
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                raise HtmlParseError(
                    f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, tag_pos)}'
                )
            value = text[i + 1 : end]
            i = end + 1
        else:
            j = i
            while j < n and text[j] not in _WS and text[j] != ">":
                j += 1
            value = text[i:j]
            i = j
        attrs[name] = _stdhtml.unescape(value)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Return (plain text, entities) for Telegram HTML; whitespace-trimmed like Telegram does."""
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "&":
            ch, i = _decode_entity(text, i, strict_ampersand)
            out.append(ch)
            pos16 += 2 if ord(ch) > 0xFFFF else 1
            continue
        if c != "<":
            m = _PLAIN_RE.match(text, i)
            chunk = m.group(0)
            out.append(chunk)
            pos16 += utf16_len(chunk) if not chunk.isascii() else len(chunk)
            i = m.end()
            continue
        tag_pos = i
        if i + 1 < n and text[i + 1] == "/":
            end = text.find(">", i + 2)
            if end < 0:
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(text, tag_pos)}")
            name = text[i + 2 : end].strip(_WS).lower()
            if not stack:
                raise HtmlParseError(
                    f'Unexpected end tag "{name}" at byte offset {_byte_offset(text, tag_pos)}'
                )
            top = stack.pop()
            if name != top.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, tag_pos)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            i = end + 1
            _close(top, stack, pos16, entities)
            continue
        m = _TAG_NAME_RE.match(text, i + 1)
        name = m.group(0).lower()
        if name not in _TAG_ENTITY:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, tag_pos)}'
            )
        attrs, i = _parse_attrs(text, m.end(), name, tag_pos)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, tag_pos)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f"Custom emoji entity must contain a valid emoji-id at byte offset "
                f"{_byte_offset(text, tag_pos)}"
            )
        stack.append(_Open(name, attrs, pos16))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    plain = "".join(out)
    return _trim(plain, entities)


def _close(top: _Open, stack: list[_Open], pos16: int, entities: list[dict]) -> None:
    length = pos16 - top.start
    etype = _TAG_ENTITY[top.tag]
    if top.tag == "code" and stack and stack[-1].tag == "pre":
        cls = top.attrs.get("class", "")
        if cls.startswith("language-"):
            stack[-1].language = cls[len("language-") :]
        return
    if length <= 0:
        return
    entity: dict = {"type": etype, "offset": top.start, "length": length}
    if etype == "text_link":
        href = top.attrs.get("href", "").strip()
        if not href:
            return
        if href.startswith("tg://user?id="):
            entity = {
                "type": "text_mention",
                "offset": top.start,
                "length": length,
                "user": {"id": int(href.split("=", 1)[1] or 0), "is_bot": False, "first_name": "?"},
            }
        else:
            entity["url"] = href
    elif etype == "pre" and top.language:
        entity["language"] = top.language
    elif etype == "custom_emoji":
        entity["custom_emoji_id"] = top.attrs["emoji-id"]
    elif etype == "blockquote" and "expandable" in top.attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def _trim(plain: str, entities: list[dict]) -> tuple[str, list[dict]]:
    stripped = plain.strip()
    if stripped == plain:
        entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return plain, entities
    left = len(plain) - len(plain.lstrip())  # whitespace is BMP: chars == UTF-16 units
    total = utf16_len(stripped)
    result = []
    for e in entities:
        start = max(0, e["offset"] - left)
        end = min(total, e["offset"] + e["length"] - left)
        if end > start:
            result.append({**e, "offset": start, "length": end - start})
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, result


def plain_entities(text: str) -> tuple[str, list[dict]]:
    """No parse_mode: text is literal; Telegram still trims surrounding whitespace."""
    return text.strip(), []
