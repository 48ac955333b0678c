"""TelegramEmulator: a strict Bot API server (aiohttp, 127.0.0.1) for aiogram's AiohttpSession.

Requests: POST {base}/bot{token}/{method} (urlencoded, multipart or JSON), GET {base}/file/bot{token}/{path}.
Answers: {"ok": true, "result": ...} or
{"ok": false, "error_code": N, "description": "...", "parameters": {...}}.

Flood control (``flood_control=True``), counted over "sending" calls (send* except sendChatAction,
copy*/forward*, edit*, pinChatMessage), 429 "Too Many Requests: retry after N" when exceeded:
  * global: at most ``flood_global_per_sec`` (30) units in any sliding 1 s window;
  * per chat burst: at most ``flood_chat_burst`` (3) *requests* in any sliding 1 s window;
  * per chat sustained: at most ``flood_chat_per_10s`` (20) units in any sliding 10 s window.
A call is 1 unit; sendMediaGroup is 1 request but len(media) units
(real Telegram counts every album part as a message). Rejected calls are not counted.

Faults, like Telegram behind its proxies: ``fail_next(method, status)`` for the next calls of one
method, or ``fault_rate`` (0..1) with ``fault_kinds`` on the methods in ``fault_methods`` (default:
the sending calls; add "getfile" and ``DOWNLOAD`` ("file": downloads under /file/) to fault those
too; ``fault_kinds_for[method]`` gives one method kinds of its own). Kinds: "400"/"403"/"429"/
"500"/"502"/"504" (JSON error), "502html"/"504html" (nginx's HTML error page, text/html), "drop"
(connection cut before the call took effect), "drop_after" (the call took effect, then the
connection is cut: a retry duplicates it), "truncate" (downloads: half the body, then the cut;
for API calls the same as "drop_after").

This module wires the server (HTTP, dispatch by method name, the call record); each area of the
Bot API is a mixin of its own module: chats, updates, callbacks, messages, copies, edits, files,
profile, faults. They share one state, `state.EmulatorState`. Each `_m_<name>` method handles Bot API
method <name> (case-insensitive, underscores ignored); a method no module has answers 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .callbacks import CallbacksMixin
from .chats import ChatsMixin
from .common import (
    DOWNLOAD,
    FLOOD_EXEMPT,
    HTML_PAGES,
    JSON_FIELDS,
    MB,
    SENDING,
    _fault_description,
    _InvalidJson,
    _Upload,
)
from .copies import CopiesMixin
from .edits import EditsMixin
from .faults import FaultsMixin
from .files import FilesMixin
from .messages import MessagesMixin
from .models import ApiError, CallRecord, wait_until
from .profile import ProfileMixin
from .transcript import said_in_call
from .updates import UpdatesMixin

__all__ = ["TelegramEmulator"]


class TelegramEmulator(
    ChatsMixin,
    UpdatesMixin,
    CallbacksMixin,
    MessagesMixin,
    CopiesMixin,
    EditsMixin,
    FilesMixin,
    ProfileMixin,
    FaultsMixin,
):
    """See the module docstring; public attributes may be changed while running."""

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

    def count(self, method: str | None = None, status: int | None = None) -> int:
        if method is None and status is None:
            return len(self.calls)
        if method is not None and status is not None:
            return self._counter[(method.lower(), status)]
        if method is not None:
            return self._counter[(method.lower(), None)]
        return self._counter[(None, status)]

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
        self.transcript.extend(said_in_call(low, params, files, result))
        if after_drop:
            return self._drop(request)
        return self._ok(result)

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
