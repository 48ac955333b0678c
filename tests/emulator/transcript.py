"""What a person reads: every text, caption, button label, alert and document name the bot sent.

``TelegramEmulator.transcript`` collects them, in order, as ``Said`` records (after a call succeeded;
HTML is parsed the way Telegram shows it, so "&amp;lt;" is recorded as the literal "&lt;" a person
would see). Copies and forwards of a person's own messages are not the bot's words and are left out;
a caption the bot puts on a copy is kept. tests/e2e/transcript_guard.py reads it after every e2e test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .tg_html import HtmlParseError, parse_html, plain_entities

__all__ = ["Said", "said_in_call"]

_TEXT_METHODS = {"sendmessage": "text", "editmessagetext": "text"}
_CAPTION_METHODS = {
    "sendphoto",
    "sendvideo",
    "senddocument",
    "sendaudio",
    "sendanimation",
    "sendvoice",
    "editmessagecaption",
    "copymessage",
}


@dataclass(frozen=True, slots=True)
class Said:
    kind: str  # text | caption | button | alert | file_name | keyboard
    chat_id: int | str | None
    text: str
    method: str


def _plain(value: Any, parse_mode: Any) -> str:
    text = "" if value is None else str(value)
    if isinstance(parse_mode, str) and parse_mode.strip().lower() == "html":
        try:
            return parse_html(text, strict_ampersand=False)[0]
        except HtmlParseError:
            return text
    return plain_entities(text)[0]


def _buttons(markup: Any) -> list[str]:
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    out = []
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            text = button if isinstance(button, str) else (button or {}).get("text")
            if isinstance(text, str):
                out.append(text)
    return out


def said_in_call(method: str, params: dict, files: dict, result: Any) -> list[Said]:
    """The words a successful Bot API call put in front of a person."""
    low = method.lower()
    chat = params.get("chat_id")
    out: list[Said] = []
    if low in _TEXT_METHODS:
        out.append(Said("text", chat, _plain(params.get("text"), params.get("parse_mode")), low))
    if low in _CAPTION_METHODS and params.get("caption"):
        out.append(Said("caption", chat, _plain(params.get("caption"), params.get("parse_mode")), low))
    if low == "sendmediagroup" and isinstance(params.get("media"), list):
        for item in params["media"]:
            if isinstance(item, dict) and item.get("caption"):
                out.append(Said("caption", chat, _plain(item["caption"], item.get("parse_mode")), low))
    if low == "answercallbackquery" and params.get("text"):
        out.append(Said("alert", None, str(params["text"]), low))
    out.extend(Said("button", chat, text, low) for text in _buttons(params.get("reply_markup")))
    if low == "senddocument" and isinstance(result, dict):
        name = (result.get("document") or {}).get("file_name")
        if name:
            out.append(Said("file_name", chat, str(name), low))
    if low == "sendmediagroup" and isinstance(result, list):
        for message in result:
            name = ((message or {}).get("document") or {}).get("file_name")
            if name:
                out.append(Said("file_name", chat, str(name), low))
    return out
