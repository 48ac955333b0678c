"""TelegramEmulator: a strict Bot API server (aiohttp, 127.0.0.1) for aiogram's AiohttpSession.

Requests: POST {base}/bot{token}/{method} (urlencoded, multipart or JSON), GET {base}/file/bot{token}/{path}.
Answers: {"ok": true, "result": ...} or
{"ok": false, "error_code": N, "description": "...", "parameters": {...}}.

Flood control (``flood_control=True``), counted over "sending" calls (send* except sendChatAction,
copy*/forward*, edit*, pinChatMessage), 429 "Too Many Requests: retry after N" when exceeded:
  * global: at most ``flood_global_per_sec`` (30) units in any sliding 1 s window;
  * per chat burst: at most ``flood_chat_burst`` (3) *requests* in any sliding 1 s window;
  * per chat sustained: at most ``flood_chat_per_10s`` (20) units in any sliding 10 s window.
A call is 1 unit; sendMediaGroup / copyMessages / forwardMessages are 1 request but len(items) units
(real Telegram counts every album part as a message). Rejected calls are not counted.

Faults, like Telegram behind its proxies: ``fail_next(method, status)`` for the next calls of one
method, or ``fault_rate`` (0..1) with ``fault_kinds`` on the methods in ``fault_methods`` (default:
the sending calls; add "getfile" and ``DOWNLOAD`` ("file": downloads under /file/) to fault those
too; ``fault_kinds_for[method]`` gives one method kinds of its own). Kinds: "400"/"403"/"429"/
"500"/"502"/"504" (JSON error), "502html"/"504html" (nginx's HTML error page, text/html), "drop"
(connection cut before the call took effect), "drop_after" (the call took effect, then the
connection is cut: a retry duplicates it), "truncate" (downloads: half the body, then the cut;
for API calls the same as "drop_after").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import itertools
import json
import math
import random
import re
import secrets
import shutil
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from .models import ApiError, BotMessage, CallRecord, StoredFile, wait_until
from .tg_html import HtmlParseError, parse_html, plain_entities, utf16_len
from .users import SimUser

__all__ = ["TelegramEmulator"]

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


class TelegramEmulator:
    """See the module docstring; public attributes may be changed while running."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN-abcdef",
        flood_control: bool = True,
        local_mode: bool = False,
        *,
        seed: int | None = None,
        bot_username: str = "emu_test_bot",
        bot_first_name: str = "Emulated Bot",
        validate_images: bool = True,
        strict_ampersand: bool = True,
    ) -> None:
        self.token = token
        self.flood_control = flood_control
        self.local_mode = local_mode
        self.validate_images = validate_images  # photos the bot uploads must be real images (Pillow)
        self.strict_ampersand = strict_ampersand
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ("500", "502", "429", "drop")
        self.fault_retry_after = 1
        self.fault_methods: frozenset[str] = SENDING  # lower-case method names, DOWNLOAD for downloads
        self.fault_kinds_for: dict[str, tuple[str, ...]] = {}  # per lower-case method: its own kinds
        self.flood_global_per_sec = 30
        self.flood_chat_burst = 3
        self.flood_chat_per_10s = 20
        self.callback_timeout: float | None = None  # seconds after which a query is "too old"
        self.rng = random.Random(seed)
        self.calls: list[CallRecord] = []
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, dict] = {}  # group/channel chats the bot was shown, by id
        self.left_chats: list[int] = []  # leaveChat calls, in order
        self.bot_started = asyncio.Event()
        self.base_url = ""
        self.port = 0
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._me = {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._counter = Counter()
        self._by_username: dict[str, SimUser] = {}
        self._user_ids = itertools.count(100001)
        self._ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._updates: deque[tuple[int, str, dict]] = deque()
        self._next_update_id = 500000001
        self._allowed: frozenset[str] | None = None
        self._active_poll: _Poll | None = None
        self._poll_event = asyncio.Event()
        self.last_poll_at: float | None = None
        self._changed = asyncio.Event()
        self._callbacks: dict[str, tuple[SimUser, float, bool]] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._global_hits: deque[tuple[float, int]] = deque()
        self._global_units = 0
        self._chat_hits: dict[int, list] = {}  # chat -> [deque[(t, units)], units_sum]
        self._commands: dict[tuple[str, int | None, str], list[dict]] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        # getMyDescription / getMyShortDescription: (kind, language_code) -> text; "" = not set
        self.descriptions: dict[tuple[str, str], str] = {}
        self._webhook_url = ""
        self._tmpdir: Path | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._methods: dict[str, Callable] = {
            name[3:].replace("_", "").lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_m_")
        }

    # ================================================================== lifecycle

    async def start(self) -> None:
        self._stopping = False
        app = web.Application(client_max_size=2100 * MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self._stopping = True
        poll = self._active_poll
        if poll is not None and not poll.fut.done():
            poll.fut.set_result(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    async def __aenter__(self) -> TelegramEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================== public helpers

    def add_user(
        self,
        first_name: str = "Иван",
        last_name: str | None = None,
        username: str | None = None,
        phone: str | None = "+375296112233",
        user_id: int | None = None,
        language_code: str | None = "ru",
    ) -> SimUser:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = SimUser(self, user_id, first_name, last_name, username, phone, language_code)
        self.users[user_id] = user
        if username:
            self._by_username[username.lower()] = user
        return user

    def user(self, user_id: int) -> SimUser:
        return self.users[user_id]

    def fail_next(
        self,
        method: str,
        status: int | str = 500,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` (or DOWNLOAD) fail: status 400/403/429/500/502/504,
        "502html"/"504html" (nginx HTML page), "drop" (connection closed, nothing done), "drop_after"
        (done, then connection closed) or "truncate" (downloads: half the body, then closed)."""
        queue = self._faults.setdefault(method.lower(), deque())
        for _ in range(count):
            queue.append(_Fault(status, retry_after, description))

    def count(self, method: str | None = None, status: int | None = None) -> int:
        if method is None and status is None:
            return len(self.calls)
        if method is not None and status is not None:
            return self._counter[(method.lower(), status)]
        if method is not None:
            return self._counter[(method.lower(), None)]
        return self._counter[(None, status)]

    def file_bytes(self, file_id: str) -> bytes:
        f = self._files[file_id]
        return f.data if f.data is not None else b""

    def file_info(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_polling(self, timeout: float = 10.0, since: float | None = None) -> None:
        """Wait for a getUpdates call (arriving at or after ``since``, a time.monotonic() value)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_poll_at is None or (since is not None and self.last_poll_at < since):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no getUpdates from the bot within {timeout}s")
            event = self._poll_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.1))

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``condition()`` holds; re-checked after every API call and every 50 ms."""
        await wait_until(
            condition, lambda: self._changed, timeout, lambda: f"condition not met within {timeout}s"
        )

    def recent_errors(self, chat_id: int | None = None, last: int = 10) -> list[CallRecord]:
        out = []
        for call in reversed(self.calls):
            if call.status != 200 and (chat_id is None or call.chat_id == chat_id):
                out.append(call)
                if len(out) >= last:
                    break
        return out[::-1]

    def commands_for(self, user: SimUser) -> list[dict]:
        langs = [user.language_code or "", ""] if user.language_code else [""]
        for scope in (("chat", user.id), ("all_private_chats", None), ("default", None)):
            for lang in langs:
                cmds = self._commands.get((scope[0], scope[1], lang))
                if cmds:
                    return list(cmds)
        return []

    # ================================================================== updates (user side)

    def new_id(self) -> str:
        return str(next(self._ids))

    def new_media_group_id(self) -> str:
        return str(13000000000000000 + next(self._ids))

    def push_update(self, kind: str, payload: dict) -> int:
        uid = self._next_update_id
        self._next_update_id += 1
        self._updates.append((uid, kind, {"update_id": uid, kind: payload}))
        poll = self._active_poll
        if poll is not None and not poll.fut.done():
            poll.fut.set_result(None)
        return uid

    def push_callback(self, user: SimUser, msg: BotMessage, data: str) -> str:
        qid = f"{user.id}{next(self._ids):010d}"
        self._callbacks[qid] = (user, time.monotonic(), False)
        query = {
            "id": qid,
            "from": user.user_dict,
            "message": dict(msg.raw),  # snapshot at press time
            "chat_instance": str(-(user.id * 7919 % 10**18)),
            "data": data,
        }
        self.push_update("callback_query", query)
        return qid

    def unanswered_callbacks(self, older_than: float = 5.0) -> list[str]:
        """Button presses the bot never answered (the user's button keeps spinning), older than N s."""
        now = time.monotonic()
        pending = self._callbacks.items()
        return [qid for qid, (_user, at, answered) in pending if not answered and now - at > older_than]

    def push_member_update(self, user: SimUser, old: str, new: str) -> None:
        bot = self.bot_user
        old_member: dict[str, Any] = {"status": old, "user": bot}
        new_member: dict[str, Any] = {"status": new, "user": bot}
        if old == "kicked":
            old_member["until_date"] = 0
        if new == "kicked":
            new_member["until_date"] = 0
        self.push_update(
            "my_chat_member",
            {
                "chat": user.chat_dict,
                "from": user.user_dict,
                "date": int(time.time()),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    # ================================================================== groups and channels
    # A user adds the bot to a group (or posts in one): the updates carry a non-private chat. The bot
    # may only leave; anything it sends there fails with "chat not found" (recorded in `calls`).

    def group_chat(self, chat_id: int, chat_type: str = "group", title: str = "Сервис — чат") -> dict:
        assert chat_id < 0 and chat_type in ("group", "supergroup", "channel")
        return {"id": chat_id, "type": chat_type, "title": title}

    def push_added_to_group(self, user: SimUser, chat: dict) -> None:
        self.groups[chat["id"]] = chat
        self.push_update(
            "my_chat_member",
            {
                "chat": chat,
                "from": user.user_dict,
                "date": int(time.time()),
                "old_chat_member": {"status": "left", "user": self.bot_user},
                "new_chat_member": {"status": "member", "user": self.bot_user},
            },
        )

    def push_group_message(self, user: SimUser, chat: dict, text: str) -> dict:
        """A message in a group (or a channel post, without "from") that the bot can see."""
        self.groups[chat["id"]] = chat
        msg: dict[str, Any] = {
            "message_id": next(self._ids),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if chat["type"] == "channel":
            self.push_update("channel_post", msg)
        else:
            msg["from"] = user.user_dict
            self.push_update("message", msg)
        return msg

    async def _m_leaveChat(self, p: dict, files: dict) -> Any:
        chat_id = _int_or_none(p.get("chat_id"))
        if chat_id is None or chat_id not in self.groups:
            raise bad("chat not found")
        self.left_chats.append(chat_id)
        return True

    # ================================================================== files

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        n = next(self._ids)
        tail = secrets.token_urlsafe(9)
        return f"{FILE_PREFIX.get(kind, 'BQACAg')}{n:07d}-{tail}", f"AQAD{n:07d}{tail[:4]}"

    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        declared_size: int | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        file_id, unique = self._new_file_id(kind)
        size = declared_size if declared_size is not None else len(data)
        f = StoredFile(
            file_id,
            unique,
            kind,
            size,
            data if declared_size is None else (data or None),
            file_name,
            mime_type,
            width,
            height,
            duration=5 if kind in ("video", "voice") else 0,
        )
        if kind == "video" and not width:
            f.width, f.height = 1280, 720
        self._files[file_id] = f
        return f

    def store_photo(self, data: bytes, width: int = 0, height: int = 0) -> list[StoredFile]:
        """Photo sizes, largest LAST holding exactly ``data``; smaller ones hold small distinct bytes."""
        if not width:
            width, height = _image_size(data) or (1280, 960)
        digest = hashlib.sha1(data).hexdigest()[:12].encode()
        sizes = []
        for side in (90, 320):
            scale = side / max(width, height, 1)
            if scale >= 1:
                continue
            thumb = b"emu-thumb-" + str(side).encode() + b"-" + digest
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            sizes.append(self.store_file("photo", thumb, mime_type="image/jpeg", width=w, height=h))
        sizes.append(self.store_file("photo", data, mime_type="image/jpeg", width=width, height=height))
        if len(sizes) == 1:  # tiny image: still give at least two sizes
            thumb = b"emu-thumb-small-" + digest
            small = self.store_file("photo", thumb, mime_type="image/jpeg", width=width, height=height)
            sizes.insert(0, small)
        for f in sizes:
            f.photo_group = sizes
        return sizes

    @staticmethod
    def photo_size_dict(f: StoredFile) -> dict:
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "width": f.width,
            "height": f.height,
            "file_size": f.size,
        }

    @staticmethod
    def file_dict(f: StoredFile) -> dict:
        d: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.kind == "video":
            d.update(width=f.width or 1280, height=f.height or 720, duration=f.duration or 5)
        if f.file_name:
            d["file_name"] = f.file_name
        if f.mime_type:
            d["mime_type"] = f.mime_type
        d["file_size"] = f.size
        return d

    def _local_dir(self) -> Path:
        if self._tmpdir is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="tg-emu-files-"))
        return self._tmpdir

    # ================================================================== HTTP

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, _Upload]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
                return params, files
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = _Upload(value.filename, value.file.read())
                else:
                    params[key] = value
        for key in JSON_FIELDS.intersection(params):
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = _InvalidJson(value)
        return params, files

    def _record(
        self, method: str, params: dict, files: dict, status: int, at: float, description: str | None
    ) -> None:
        rec_params = params
        if files:
            rec_params = dict(params)
            for key, up in files.items():
                rec_params[key] = {"filename": up.filename, "size": len(up.data)}
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str):
            with contextlib.suppress(ValueError):
                chat_id = int(chat_id)
        self.calls.append(CallRecord(method, rec_params, status, at, chat_id, description))
        low = method.lower()
        c = self._counter
        c[(low, status)] += 1
        c[(low, None)] += 1
        c[(None, status)] += 1
        self._changed.set()
        self._changed = asyncio.Event()

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.Response(
            text=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
            content_type="application/json",
        )

    @staticmethod
    def _err(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.Response(
            status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json"
        )

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        method = request.match_info["method"]
        try:
            params, files = await self._read_params(request)
        except Exception as exc:
            self._record(method, {}, {}, 400, at, f"bad body: {exc}")
            return self._err(400, "Bad Request: invalid request body")
        if request.match_info["token"] != self.token:
            self._record(method, params, files, 401, at, "Unauthorized")
            return self._err(401, "Unauthorized")
        low = method.lower()
        handler = self._methods.get(low)
        if handler is None:
            self._record(method, params, files, 404, at, "Not Found")
            return self._err(404, "Not Found")

        fault = self._pick_fault(low)
        after_drop = False
        if fault is not None:
            status = str(fault.status)
            if status == "drop":
                self._record(method, params, files, 0, at, "dropped (fault)")
                return self._drop(request)
            if status in ("drop_after", "truncate"):
                after_drop = True
            elif status in HTML_PAGES:
                code, page = HTML_PAGES[status]
                self._record(method, params, files, code, at, f"{status} (fault)")
                return web.Response(status=code, text=page, content_type="text/html")
            else:
                code = int(status)
                retry = fault.retry_after
                if code == 429 and retry is None:
                    retry = self.fault_retry_after
                desc = fault.description or _fault_description(code, retry)
                self._record(method, params, files, code, at, desc + " (fault)")
                return self._err(code, desc, retry)

        try:
            if self.flood_control and low in SENDING and low not in FLOOD_EXEMPT:
                self._flood_check(low, params, at)
            result = await handler(params, files)
        except ApiError as exc:
            self._record(method, params, files, exc.status, at, exc.description)
            return self._err(exc.status, exc.description, exc.retry_after)
        self._record(
            method,
            params,
            files,
            0 if after_drop else 200,
            at,
            "dropped after success (fault)" if after_drop else None,
        )
        if after_drop:
            return self._drop(request)
        return self._ok(result)

    def _pick_fault(self, low: str) -> _Fault | None:
        queue = self._faults.get(low)
        if queue:
            return queue.popleft()
        if self.fault_rate > 0 and low in self.fault_methods and self.rng.random() < self.fault_rate:
            kind = self.rng.choice(self.fault_kinds_for.get(low, self.fault_kinds))
            return _Fault(kind, None, None)
        return None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        path = request.match_info["path"]
        if request.match_info["token"] != self.token:
            return self._err(401, "Unauthorized")
        f = self._paths.get(path)
        if f is None:
            self._record("file", {"path": path}, {}, 404, at, "Not Found")
            return self._err(404, "Not Found")
        fault = self._pick_fault(DOWNLOAD)
        status = "" if fault is None else str(fault.status)
        if fault is not None:
            self._record("file", {"path": path}, {}, 0, at, f"{status} (fault)")
        if status == "drop":
            return self._drop(request)
        if status in HTML_PAGES:
            code, page = HTML_PAGES[status]
            return web.Response(status=code, text=page, content_type="text/html")
        if status in ("drop_after", "truncate"):
            return await self._truncated(request, f.data or b"")
        if status:
            code = int(status)
            return self._err(code, _fault_description(code, self.fault_retry_after))
        self._record("file", {"path": path}, {}, 200, at, None)
        return web.Response(body=f.data or b"", content_type="application/octet-stream")

    @staticmethod
    async def _truncated(request: web.Request, data: bytes) -> web.StreamResponse:
        """Announce the whole file, send half of it, then cut the connection."""
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        await asyncio.sleep(0.01)  # let the half reach the client before the cut
        if request.transport is not None:
            request.transport.abort()
        return response

    # ================================================================== flood control

    def _flood_check(self, low: str, params: dict, now: float) -> None:
        units = 1
        if low == "sendmediagroup" and isinstance(params.get("media"), list):
            units = max(1, len(params["media"]))
        elif low in ("copymessages", "forwardmessages") and isinstance(params.get("message_ids"), list):
            units = max(1, len(params["message_ids"]))
        g = self._global_hits
        while g and g[0][0] <= now - 1.0:
            self._global_units -= g.popleft()[1]
        if self._global_units + units > self.flood_global_per_sec:
            raise _too_many(g[0][0] + 1.0 - now)
        chat_id = _int_or_none(params.get("chat_id"))
        entry = None
        if chat_id is not None:
            entry = self._chat_hits.get(chat_id)
            if entry is None:
                entry = self._chat_hits[chat_id] = [deque(), 0]
            hits: deque = entry[0]
            while hits and hits[0][0] <= now - 10.0:
                entry[1] -= hits.popleft()[1]
            recent = 0
            earliest_recent = now
            for t, _u in reversed(hits):
                if t <= now - 1.0:
                    break
                recent += 1
                earliest_recent = t
            if recent + 1 > self.flood_chat_burst:
                raise _too_many(earliest_recent + 1.0 - now)
            if entry[1] + units > self.flood_chat_per_10s:
                freed = 0
                wait_until = now + 10.0
                for t, u in hits:
                    freed += u
                    if entry[1] - freed + units <= self.flood_chat_per_10s:
                        wait_until = t + 10.0
                        break
                raise _too_many(wait_until - now)
            hits.append((now, units))
            entry[1] += units
        g.append((now, units))
        self._global_units += units

    # ================================================================== parameter helpers

    def _chat(self, params: dict, *, sending: bool = True, key: str = "chat_id") -> SimUser:
        raw = params.get(key)
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        user = None
        if isinstance(raw, str) and raw.startswith("@"):
            user = self._by_username.get(raw[1:].lower())
        else:
            try:
                user = self.users.get(int(raw))
            except (TypeError, ValueError):
                user = None
        if user is None:
            raise bad("chat not found")
        if sending:
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return user

    def _format(self, text: Any, parse_mode: Any, *, caption: bool) -> tuple[str, list[dict]]:
        if text is None:
            text = ""
        text = str(text)
        mode = (parse_mode or "").strip() if isinstance(parse_mode, str) else ""
        if mode.lower() == "html":
            try:
                plain, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            except HtmlParseError as exc:
                raise bad(f"can't parse entities: {exc}") from None
        elif mode == "" or mode.lower() in ("markdown", "markdownv2"):
            plain, entities = plain_entities(text)  # Markdown is not validated by the emulator
        else:
            raise bad("unsupported parse_mode")
        length = utf16_len(plain) if not plain.isascii() else len(plain)
        if caption:
            if length > 1024:
                raise bad("message caption is too long")
        else:
            if not plain:
                raise bad("message text is empty")
            if length > 4096:
                raise bad("message is too long")
        return plain, entities

    def _markup(self, params: dict, *, inline_only: bool = False) -> dict | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, _InvalidJson) or not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
            total = 0
            for row in rows:
                if len(row) > 8:
                    raise bad("BUTTONS_TOO_MUCH")
                for b in row:
                    total += 1
                    if not isinstance(b, dict) or not str(b.get("text", "")).strip():
                        raise bad("BUTTON_TEXT_INVALID")
                    kinds = [k for k in BUTTON_KINDS if k in b]
                    if not kinds:
                        raise bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the "
                            "inline keyboard"
                        )
                    if "callback_data" in b:
                        data = b["callback_data"]
                        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                            raise bad("BUTTON_DATA_INVALID")
                    if "url" in b and not re.match(r"^(https?|tg)://\S+$", str(b["url"])):
                        raise bad("BUTTON_URL_INVALID")
            if total > 100:
                raise bad("reply markup is too long")
            return markup
        if inline_only:
            raise bad("REPLY_MARKUP_INVALID")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad('can\'t parse keyboard button: field "keyboard" must be an Array')
            for row in rows:
                for b in row:
                    text = b if isinstance(b, str) else (b.get("text") if isinstance(b, dict) else None)
                    if not isinstance(text, str) or not text.strip():
                        raise bad("BUTTON_TEXT_INVALID")
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad("can't parse reply keyboard markup JSON object")

    def _reply_to(self, user: SimUser, params: dict) -> dict | None:
        rp = params.get("reply_parameters")
        mid = None
        allow = False
        if isinstance(rp, dict):
            mid = rp.get("message_id")
            allow = bool(rp.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id"):
            mid = params.get("reply_to_message_id")
            allow = str(params.get("allow_sending_without_reply", "")).lower() == "true"
        if mid is None:
            return None
        target = user._raw.get(_int_or_none(mid) or 0)
        if target is None or _int_or_none(mid) in user._deleted:
            if allow:
                return None
            raise bad("message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _new_bot_message(
        self,
        user: SimUser,
        kind: str,
        content: dict[str, Any],
        params: dict,
        markup: dict | None,
        *,
        text: str | None = None,
        html: str | None = None,
        caption: str | None = None,
        entities: list[dict] | None = None,
        file: StoredFile | None = None,
        media_group_id: str | None = None,
        reply_to: dict | None = None,
    ) -> BotMessage:
        mid = user._next_id()
        now = int(time.time())
        raw: dict[str, Any] = {"message_id": mid, "from": self.bot_user, "chat": user.chat_dict, "date": now}
        if reply_to is not None:
            raw["reply_to_message"] = reply_to
        if media_group_id:
            raw["media_group_id"] = media_group_id
        raw.update(content)
        if markup and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        msg = BotMessage(
            message_id=mid,
            chat_id=user.id,
            kind=kind,
            date=now,
            text=text,
            html=html,
            caption=caption,
            parse_mode=params.get("parse_mode") or None,
            entities=entities or [],
            file_id=file.file_id if file else None,
            file_unique_id=file.file_unique_id if file else None,
            file_name=file.file_name if file else None,
            mime_type=file.mime_type if file else None,
            media_group_id=media_group_id,
            reply_markup=markup,
            raw=raw,
        )
        user._add_bot_message(msg)
        return msg

    def _media_file(
        self,
        params: dict,
        files: dict[str, _Upload],
        value: Any,
        kind: str,
        field: str,
        file_name_hint: str | None = None,
    ) -> tuple[StoredFile, list[StoredFile] | None]:
        """Resolve an InputFile/attach:// upload, a file_id, or (local mode) a file:// path."""
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad(f'can\'t find attached file "{value[len("attach://") :]}"')
        elif value is None or value == "":
            upload = files.get(field)
            if upload is None:
                raise bad(f"there is no {field} in the request")
        if upload is None:
            value = str(value)
            if value.startswith("file://") and self.local_mode:
                path = Path(value[len("file://") :])
                if not path.is_file():
                    raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
                upload = _Upload(path.name, path.read_bytes())
            elif value.startswith(("http://", "https://")):
                raise bad("failed to get HTTP URL content")
            else:
                f = self._files.get(value)
                if f is None:
                    raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
                if (kind == "photo") != (f.kind == "photo"):
                    raise bad("type of file mismatch")
                return f, f.photo_group
        data = upload.data
        if not data:
            raise bad("file must be non-empty")
        limit = 2000 * MB if self.local_mode else 50 * MB
        if kind == "photo" and not self.local_mode:
            limit = 10 * MB
        if len(data) > limit:
            raise ApiError(413, "Request Entity Too Large")
        if kind == "photo":
            dims = _image_size(data)
            if dims is None and self.validate_images:
                raise bad("IMAGE_PROCESS_FAILED")
            if dims is not None and (dims[0] + dims[1] > 10000 or max(dims) / max(1, min(dims)) > 20):
                raise bad("PHOTO_INVALID_DIMENSIONS")
            sizes = self.store_photo(data, *(dims or (1280, 960)))
            return sizes[-1], sizes
        name = upload.filename or file_name_hint
        mime = _guess_mime(name, kind)
        return self.store_file(kind, data, file_name=name if kind != "voice" else None, mime_type=mime), None

    def _media_content(self, kind: str, f: StoredFile, group: list[StoredFile] | None) -> dict:
        if kind == "photo":
            return {"photo": [self.photo_size_dict(s) for s in (group or [f])]}
        if kind == "voice":
            return {
                "voice": {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "duration": 2,
                    "mime_type": f.mime_type or "audio/ogg",
                    "file_size": f.size,
                }
            }
        if kind == "sticker":
            return {
                "sticker": {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        return {kind: self.file_dict(f)}

    # ================================================================== methods
    # Each _m_<name> handles Bot API method <name> (case-insensitive, underscores ignored).

    async def _m_getMe(self, p: dict, files: dict) -> Any:
        return self._me

    async def _m_logOut(self, p: dict, files: dict) -> Any:
        return True

    async def _m_close(self, p: dict, files: dict) -> Any:
        return True

    async def _m_deleteWebhook(self, p: dict, files: dict) -> Any:
        self._webhook_url = ""
        if str(p.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, p: dict, files: dict) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_getUpdates(self, p: dict, files: dict) -> Any:
        offset = _int_or_none(p.get("offset")) or 0
        limit = min(max(_int_or_none(p.get("limit")) or 100, 1), 100)
        timeout = max(_int_or_none(p.get("timeout")) or 0, 0)
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = frozenset(allowed) if allowed else None
        updates = self._updates
        if offset > 0:
            while updates and updates[0][0] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        loop = asyncio.get_running_loop()
        previous = self._active_poll
        if previous is not None:
            previous.conflict = True
            if not previous.fut.done():
                previous.fut.set_result(None)
        poll = _Poll(loop.create_future())
        self._active_poll = poll
        self.last_poll_at = time.monotonic()
        self.bot_started.set()
        self._poll_event.set()
        self._poll_event = asyncio.Event()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.conflict:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                batch = self._collect(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._stopping:
                    return batch
                if poll.fut.done():
                    poll.fut = loop.create_future()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poll.fut, remaining)
        finally:
            if self._active_poll is poll:
                self._active_poll = None

    def _collect(self, limit: int) -> list[dict]:
        batch: list[dict] = []
        allowed = self._allowed
        drop = []
        for entry in self._updates:
            kind = entry[1]
            if (kind not in allowed) if allowed is not None else (kind in DEFAULT_UPDATE_TYPES_EXCLUDED):
                drop.append(entry)
                continue
            batch.append(entry[2])
            if len(batch) >= limit:
                break
        for entry in drop:
            self._updates.remove(entry)
        return batch

    async def _m_sendMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        plain, entities = self._format(p.get("text"), p.get("parse_mode"), caption=False)
        markup = self._markup(p)
        reply_to = self._reply_to(user, p)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        msg = self._new_bot_message(
            user,
            "text",
            content,
            p,
            markup,
            text=plain,
            html=str(p.get("text")),
            entities=entities,
            reply_to=reply_to,
        )
        return msg.raw

    async def _send_media(self, kind: str, p: dict, files: dict) -> Any:
        user = self._chat(p)
        caption_raw = p.get("caption")
        plain, entities = self._format(caption_raw, p.get("parse_mode"), caption=True)
        markup = self._markup(p)
        reply_to = self._reply_to(user, p)
        f, group = self._media_file(p, files, p.get(kind), kind, kind)
        content = self._media_content(kind, f, group)
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        msg = self._new_bot_message(
            user,
            kind,
            content,
            p,
            markup,
            caption=plain or None,
            html=caption_raw if plain else None,
            entities=entities,
            file=f,
            reply_to=reply_to,
        )
        return msg.raw

    async def _m_sendPhoto(self, p: dict, files: dict) -> Any:
        return await self._send_media("photo", p, files)

    async def _m_sendVideo(self, p: dict, files: dict) -> Any:
        return await self._send_media("video", p, files)

    async def _m_sendDocument(self, p: dict, files: dict) -> Any:
        return await self._send_media("document", p, files)

    async def _m_sendVoice(self, p: dict, files: dict) -> Any:
        return await self._send_media("voice", p, files)

    async def _m_sendAudio(self, p: dict, files: dict) -> Any:
        return await self._send_media("audio", p, files)

    async def _m_sendAnimation(self, p: dict, files: dict) -> Any:
        return await self._send_media("animation", p, files)

    async def _m_sendSticker(self, p: dict, files: dict) -> Any:
        return await self._send_media("sticker", p, files)

    async def _m_sendLocation(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        try:
            loc = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        except (KeyError, ValueError):
            raise bad("wrong latitude or longitude specified") from None
        return self._new_bot_message(user, "location", {"location": loc}, p, self._markup(p)).raw

    async def _m_sendContact(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        if not p.get("phone_number") or not p.get("first_name"):
            raise bad("phone number or first name is empty")
        contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
        return self._new_bot_message(user, "contact", {"contact": contact}, p, self._markup(p)).raw

    async def _m_sendMediaGroup(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        media = p.get("media")
        if isinstance(media, _InvalidJson) or not isinstance(media, list):
            raise bad("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad("wrong number of media items: must include 2-10 items")
        kinds = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
                raise bad("unsupported media type in the media group")
            kinds.append(item["type"])
        kset = set(kinds)
        if len(kset) > 1 and not kset <= {"photo", "video"}:
            raise bad("MEDIA_GROUP_INVALID: documents and audio can't be mixed with other media types")
        reply_to = self._reply_to(user, p)
        prepared = []
        for item in media:  # validate everything before creating any message
            plain, entities = self._format(item.get("caption"), item.get("parse_mode"), caption=True)
            f, group = self._media_file(p, files, item.get("media"), item["type"], "media")
            prepared.append((item, plain, entities, f, group))
        group_id = self.new_media_group_id()
        out = []
        for item, plain, entities, f, group in prepared:
            content = self._media_content(item["type"], f, group)
            if plain:
                content["caption"] = plain
                if entities:
                    content["caption_entities"] = entities
            msg = self._new_bot_message(
                user,
                item["type"],
                content,
                item,
                None,
                caption=plain or None,
                html=item.get("caption") if plain else None,
                entities=entities,
                file=f,
                media_group_id=group_id,
                reply_to=reply_to,
            )
            out.append(msg.raw)
        return out

    def _source(self, p: dict, what: str) -> tuple[SimUser, dict]:
        src_user = self._chat(p, sending=False, key="from_chat_id")
        mid = _int_or_none(p.get("message_id"))
        raw = src_user._raw.get(mid or 0)
        if raw is None or mid in src_user._deleted:
            raise bad(f"message to {what} not found")
        return src_user, raw

    _COPY_KEYS = (
        "text",
        "entities",
        "photo",
        "video",
        "document",
        "voice",
        "audio",
        "animation",
        "sticker",
        "location",
        "contact",
        "poll",
        "caption",
        "caption_entities",
    )

    def _copy_into(
        self,
        user: SimUser,
        raw: dict,
        p: dict,
        markup: dict | None,
        *,
        forward: bool,
        group_id: str | None = None,
        override_caption: bool = True,
    ) -> BotMessage:
        content = {k: raw[k] for k in self._COPY_KEYS if k in raw}
        caption = content.get("caption")
        if not forward and override_caption and "caption" in p:
            plain, entities = self._format(p.get("caption"), p.get("parse_mode"), caption=True)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if plain:
                content["caption"] = plain
                if entities:
                    content["caption_entities"] = entities
            caption = plain or None
        if forward:
            content["forward_origin"] = {
                "type": "user",
                "sender_user": raw.get("from", self.bot_user),
                "date": raw.get("date", int(time.time())),
            }
        kind = next(
            (
                k
                for k in (
                    "text",
                    "photo",
                    "video",
                    "document",
                    "voice",
                    "audio",
                    "animation",
                    "sticker",
                    "location",
                    "contact",
                    "poll",
                )
                if k in raw
            ),
            "other",
        )
        file = None
        if kind in ("photo", "video", "document", "voice", "audio", "animation", "sticker"):
            fid = raw[kind][-1]["file_id"] if kind == "photo" else raw[kind]["file_id"]
            file = self._files.get(fid)
        msg = self._new_bot_message(
            user,
            kind,
            content,
            p,
            markup,
            text=content.get("text"),
            caption=caption,
            entities=content.get("entities") or content.get("caption_entities"),
            file=file,
            media_group_id=group_id,
        )
        msg.forwarded = forward
        return msg

    async def _m_copyMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        src_user, raw = self._source(p, "copy")
        markup = self._markup(p)
        msg = self._copy_into(user, raw, p, markup, forward=False)
        msg.copied_from = (src_user.id, raw["message_id"])
        return {"message_id": msg.message_id}

    async def _m_forwardMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        _src, raw = self._source(p, "forward")
        return self._copy_into(user, raw, p, None, forward=True).raw

    async def _copy_many(self, p: dict, forward: bool) -> Any:
        user = self._chat(p)
        src_user = self._chat(p, sending=False, key="from_chat_id")
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad("message identifiers are not specified")
        raws = [src_user._raw.get(_int_or_none(i) or 0) for i in ids]
        raws = [r for r in raws if r is not None and r["message_id"] not in src_user._deleted]
        if not raws:
            raise bad(f"messages to {'forward' if forward else 'copy'} not found")
        groups: dict[str, str] = {}
        out = []
        for raw in raws:
            gid = raw.get("media_group_id")
            new_gid = groups.setdefault(gid, self.new_media_group_id()) if gid else None
            msg = self._copy_into(
                user, raw, p, None, forward=forward, group_id=new_gid, override_caption=False
            )
            if not forward:
                msg.copied_from = (src_user.id, raw["message_id"])
            out.append({"message_id": msg.message_id})
        return out

    async def _m_copyMessages(self, p: dict, files: dict) -> Any:
        return await self._copy_many(p, forward=False)

    async def _m_forwardMessages(self, p: dict, files: dict) -> Any:
        return await self._copy_many(p, forward=True)

    def _editable(self, p: dict) -> tuple[SimUser, BotMessage]:
        if p.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        user = self._chat(p, sending=False)
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        mid = _int_or_none(p.get("message_id"))
        if mid is None:
            raise bad("message identifier is not specified")
        msg = user._by_id.get(mid)
        if msg is None or msg.deleted:
            if mid in user._raw and mid not in user._deleted:
                raise bad("message can't be edited")
            raise bad("message to edit not found")
        return user, msg

    @staticmethod
    def _touch(user: SimUser, msg: BotMessage) -> dict:
        msg.edited = True
        msg.raw["edit_date"] = int(time.time())
        user._notify()
        return msg.raw

    async def _m_editMessageText(self, p: dict, files: dict) -> Any:
        user, msg = self._editable(p)
        if msg.kind != "text":
            raise bad("there is no text in the message to edit")
        plain, entities = self._format(p.get("text"), p.get("parse_mode"), caption=False)
        markup = self._markup(p, inline_only=True)
        old_markup = msg.raw.get("reply_markup")
        if plain == msg.text and entities == msg.entities and markup == old_markup:
            raise bad(MSG_NOT_MODIFIED[len("Bad Request: ") :])
        msg.text, msg.html, msg.entities = plain, str(p.get("text")), entities
        msg.parse_mode = p.get("parse_mode") or None
        msg.raw["text"] = plain
        msg.raw.pop("entities", None)
        if entities:
            msg.raw["entities"] = entities
        self._set_markup(msg, markup)
        return self._touch(user, msg)

    @staticmethod
    def _set_markup(msg: BotMessage, markup: dict | None) -> None:
        msg.raw.pop("reply_markup", None)
        if markup:
            msg.raw["reply_markup"] = markup
        msg.reply_markup = markup

    async def _m_editMessageCaption(self, p: dict, files: dict) -> Any:
        user, msg = self._editable(p)
        if msg.kind in ("text", "location", "contact", "sticker", "poll"):
            raise bad("there is no caption in the message to edit")
        plain, entities = self._format(p.get("caption"), p.get("parse_mode"), caption=True)
        markup = self._markup(p, inline_only=True)
        same_markup = markup == msg.raw.get("reply_markup")
        if (plain or None) == msg.caption and entities == msg.entities and same_markup:
            raise bad(MSG_NOT_MODIFIED[len("Bad Request: ") :])
        msg.caption, msg.html, msg.entities = plain or None, p.get("caption"), entities
        msg.raw.pop("caption", None)
        msg.raw.pop("caption_entities", None)
        if plain:
            msg.raw["caption"] = plain
            if entities:
                msg.raw["caption_entities"] = entities
        self._set_markup(msg, markup)
        return self._touch(user, msg)

    async def _m_editMessageReplyMarkup(self, p: dict, files: dict) -> Any:
        user, msg = self._editable(p)
        markup = self._markup(p, inline_only=True)
        if markup == msg.raw.get("reply_markup"):
            raise bad(MSG_NOT_MODIFIED[len("Bad Request: ") :])
        self._set_markup(msg, markup)
        return self._touch(user, msg)

    async def _m_deleteMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        mid = _int_or_none(p.get("message_id"))
        if mid is None or mid not in user._raw or mid in user._deleted:
            raise bad("message to delete not found")
        user._deleted.add(mid)
        msg = user._by_id.get(mid)
        if msg is not None:
            msg.deleted = True
        user._notify()
        return True

    async def _m_deleteMessages(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad("message identifiers are not specified")
        for raw_id in ids:
            mid = _int_or_none(raw_id)
            if mid in user._raw:
                user._deleted.add(mid)
                if mid in user._by_id:
                    user._by_id[mid].deleted = True
        user._notify()
        return True

    async def _m_answerCallbackQuery(self, p: dict, files: dict) -> Any:
        qid = str(p.get("callback_query_id") or "")
        entry = self._callbacks.get(qid)
        if entry is None or entry[2]:
            raise bad(QUERY_TOO_OLD[len("Bad Request: ") :])
        user, created, _answered = entry
        if self.callback_timeout is not None and time.monotonic() - created > self.callback_timeout:
            raise bad(QUERY_TOO_OLD[len("Bad Request: ") :])
        text = p.get("text")
        if text is not None and utf16_len(str(text)) > 200:
            raise bad("MESSAGE_TOO_LONG")
        self._callbacks[qid] = (user, created, True)
        user.callback_answers.append(
            {
                "callback_query_id": qid,
                "text": text,
                "show_alert": str(p.get("show_alert", "")).lower() == "true",
                "url": p.get("url"),
                "cache_time": _int_or_none(p.get("cache_time")),
            }
        )
        user._notify()
        return True

    async def _m_setMessageReaction(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        mid = _int_or_none(p.get("message_id"))
        if mid is None or mid not in user._raw or mid in user._deleted:
            raise bad("message to react not found")
        reaction = p.get("reaction", [])
        if not isinstance(reaction, list):
            raise bad("can't parse reaction JSON object")
        if len(reaction) > 1:
            raise bad("REACTIONS_TOO_MANY")
        for item in reaction:
            if not isinstance(item, dict) or item.get("type") != "emoji":
                raise bad("REACTION_INVALID")  # custom and paid reactions are not for this bot
            if item.get("emoji") not in ALLOWED_REACTIONS:
                raise bad("REACTION_INVALID")
        user.reactions[mid] = [str(item["emoji"]) for item in reaction]
        user._notify()
        return True

    async def _m_sendChatAction(self, p: dict, files: dict) -> Any:
        user = self._chat(p)
        action = p.get("action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        user.chat_actions.append(action)
        return True

    async def _m_pinChatMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        mid = _int_or_none(p.get("message_id"))
        if mid is None or mid not in user._raw or mid in user._deleted:
            raise bad("message to pin not found")
        if mid in user.pinned_ids:
            user.pinned_ids.remove(mid)
        user.pinned_ids.append(mid)
        user._notify()
        return True

    async def _m_unpinChatMessage(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        mid = _int_or_none(p.get("message_id"))
        if mid is None:
            if user.pinned_ids:
                user.pinned_ids.pop()
        elif mid in user.pinned_ids:
            user.pinned_ids.remove(mid)
        else:
            raise bad("message to unpin not found")
        user._notify()
        return True

    async def _m_unpinAllChatMessages(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        user.pinned_ids.clear()
        user._notify()
        return True

    def _scope_key(self, p: dict) -> tuple[str, int | None, str]:
        scope = p.get("scope") or {"type": "default"}
        if isinstance(scope, _InvalidJson) or not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        stype = scope.get("type")
        if stype not in (
            "default",
            "all_private_chats",
            "all_group_chats",
            "all_chat_administrators",
            "chat",
            "chat_administrators",
            "chat_member",
        ):
            raise bad("wrong bot command scope type specified")
        chat_id = None
        if stype in ("chat", "chat_administrators", "chat_member"):
            chat_id = self._chat({"chat_id": scope.get("chat_id")}, sending=False).id
        lang = str(p.get("language_code") or "")
        if lang and not re.match(r"^[a-z]{2}$", lang):
            raise bad("invalid language code specified")
        return stype, chat_id, lang

    async def _m_setMyCommands(self, p: dict, files: dict) -> Any:
        commands = p.get("commands")
        if isinstance(commands, _InvalidJson) or not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad("too many commands specified")
        for cmd in commands:
            if not isinstance(cmd, dict) or not _COMMAND_RE.match(str(cmd.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", "")).strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _m_deleteMyCommands(self, p: dict, files: dict) -> Any:
        self._commands.pop(self._scope_key(p), None)
        return True

    async def _m_getMyCommands(self, p: dict, files: dict) -> Any:
        return list(self._commands.get(self._scope_key(p), []))

    def _description_lang(self, p: dict) -> str:
        lang = str(p.get("language_code") or "")
        if lang and not re.match(r"^[a-z]{2}$", lang):
            raise bad("invalid language code specified")
        return lang

    def _set_description(self, p: dict, kind: str, limit: int) -> bool:
        text = p.get(kind)
        if text is not None and not isinstance(text, str):
            raise bad(f"can't parse {kind}")
        if text and len(text) > limit:  # Telegram: 0-512 / 0-120 characters
            raise bad(f"{kind.upper()}_INVALID")
        lang = self._description_lang(p)
        if text:
            self.descriptions[(kind, lang)] = text
        else:
            self.descriptions.pop((kind, lang), None)
        return True

    async def _m_setMyDescription(self, p: dict, files: dict) -> Any:
        return self._set_description(p, "description", 512)

    async def _m_getMyDescription(self, p: dict, files: dict) -> Any:
        return {"description": self.descriptions.get(("description", self._description_lang(p)), "")}

    async def _m_setMyShortDescription(self, p: dict, files: dict) -> Any:
        return self._set_description(p, "short_description", 120)

    async def _m_getMyShortDescription(self, p: dict, files: dict) -> Any:
        lang = self._description_lang(p)
        return {"short_description": self.descriptions.get(("short_description", lang), "")}

    async def _m_setChatMenuButton(self, p: dict, files: dict) -> Any:
        button = p.get("menu_button") or {"type": "default"}
        if (
            isinstance(button, _InvalidJson)
            or not isinstance(button, dict)
            or button.get("type") not in ("default", "commands", "web_app")
        ):
            raise bad("can't parse menu button JSON object")
        if p.get("chat_id"):
            user = self._chat(p, sending=False)
            user.menu_button = button
            self._menu_buttons[user.id] = button
        else:
            self._menu_buttons[None] = button
        return True

    async def _m_getChatMenuButton(self, p: dict, files: dict) -> Any:
        if p.get("chat_id"):
            user = self._chat(p, sending=False)
            return self._menu_buttons.get(user.id) or self._menu_buttons.get(None) or {"type": "default"}
        return self._menu_buttons.get(None) or {"type": "default"}

    async def _m_getChat(self, p: dict, files: dict) -> Any:
        user = self._chat(p, sending=False)
        info = dict(user.chat_dict)
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        )
        return info

    async def _m_getFile(self, p: dict, files: dict) -> Any:
        f = self._files.get(str(p.get("file_id") or ""))
        if f is None:
            raise bad(WRONG_FILE_ID[len("Bad Request: ") :])
        if self.local_mode:
            if f.local_path is None:
                path = self._local_dir() / f"{f.kind}s" / f"file_{len(self._paths)}{EXT.get(f.kind, '')}"
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as fh:
                    if f.data:
                        fh.write(f.data)
                    if f.size > len(f.data or b""):
                        fh.truncate(f.size)  # sparse: a "huge" file costs nothing
                f.local_path = str(path.resolve())
                self._paths[f.local_path] = f
            file_path = f.local_path
        else:
            if f.size > 20 * MB:
                raise bad("file is too big")
            if f.file_path is None:
                ext = EXT.get(f.kind, "")
                if f.kind == "document" and f.file_name and "." in f.file_name:
                    ext = "." + f.file_name.rsplit(".", 1)[1]
                f.file_path = f"{f.kind}s/file_{len(self._paths)}{ext}"
                self._paths[f.file_path] = f
            file_path = f.file_path
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": f.size,
            "file_path": file_path,
        }


# ====================================================================== module helpers


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
    if kind == "voice":
        return "audio/ogg"
    if kind == "sticker":
        return "image/webp"
    import mimetypes

    guessed = mimetypes.guess_type(name or "")[0]
    return guessed or "application/octet-stream"
