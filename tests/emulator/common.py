"""Constants, small value types and helpers shared by the emulator's modules."""

from __future__ import annotations

import asyncio
import io
import math
import re
from typing import Any

from .models import ApiError

MB = 1024 * 1024
JSON_FIELDS = frozenset(
    {
        "reaction",
        "reply_markup",
        "media",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "options",
        "explanation_entities",
        "rights",
        "results",
        "prices",
    }
)
SENDING = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "sendvideo",
        "senddocument",
        "sendmediagroup",
        "sendaudio",
        "sendvoice",
        "sendsticker",
        "sendanimation",
        "sendlocation",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendvideonote",
        "sendvenue",
        "sendchataction",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
        "editmessagereplymarkup",
        "pinchatmessage",
    }
)
BUTTON_KINDS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
FLOOD_EXEMPT = frozenset({"sendchataction"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# ReactionTypeEmoji.emoji: the only emoji Telegram accepts as reactions (Bot API docs); bots that are not
# premium users may set one reaction per message.
ALLOWED_REACTIONS = frozenset({
    "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌",
    "🕊", "🤡", "🥱", "🥴", "😍", "🐳", "❤\u200d🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨",
    "😐", "🍓", "🍾", "💋", "🖕", "😈", "😴", "😭", "🤓", "👻", "👨\u200d💻", "👀", "🎃", "🙈", "😇", "😨",
    "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊",
    "😎", "👾", "🤷\u200d♂", "🤷", "🤷\u200d♀", "😡",
})  # fmt: skip
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FILE_PREFIX = {
    "photo": "AgACAg",
    "video": "BAACAg",
    "document": "BQACAg",
    "voice": "AwACAg",
    "sticker": "CAACAg",
    "audio": "CQACAg",
    "animation": "CgACAg",
}
EXT = {
    "photo": ".jpg",
    "video": ".mp4",
    "voice": ".oga",
    "sticker": ".webp",
    "audio": ".mp3",
    "animation": ".mp4",
    "document": "",
}
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")

MSG_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
NGINX_504 = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway"
    " Time-out</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)
HTML_PAGES = {"502html": (502, NGINX_502), "504html": (504, NGINX_504)}
DOWNLOAD = "file"  # the fault "method" name of file downloads


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


class _Upload:
    __slots__ = ("data", "filename")

    def __init__(self, filename: str | None, data: bytes) -> None:
        self.filename = filename
        self.data = data


class _InvalidJson(str):
    """A JSON-typed field that failed to decode (kept as the raw string)."""


class _Poll:
    __slots__ = ("conflict", "fut")

    def __init__(self, fut: asyncio.Future) -> None:
        self.fut = fut
        self.conflict = False


class _Fault:
    __slots__ = ("description", "retry_after", "status")

    def __init__(self, status: int | str, retry_after: int | None, description: str | None) -> None:
        self.status = status
        self.retry_after = retry_after
        self.description = description


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _too_many(seconds: float) -> ApiError:
    retry = max(1, math.ceil(seconds))
    return ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)


def _fault_description(code: int, retry: int | None) -> str:
    return {
        400: "Bad Request: emulated fault",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        429: f"Too Many Requests: retry after {retry}",
        500: "Internal Server Error",
        502: "Bad Gateway",
        504: "Gateway Timeout",
        503: "Service Unavailable",
    }.get(code, "Emulated fault")


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return (1280, 960)
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except Exception:
        return None


def _guess_mime(name: str | None, kind: str) -> str:
    if kind == "video":
        return "video/mp4"
    import mimetypes

    guessed = mimetypes.guess_type(name or "")[0]
    return guessed or "application/octet-stream"
