"""A Bot whose session records every request and answers it in-process (aiogram's mocked-session
pattern): prepared answers first, else a plausible default, so the code under test runs unchanged."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

BOT_ID = 424242
TOKEN = f"{BOT_ID}:MIDDLE-tier-token"


class MockedSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.results: dict[int, Any] = {}  # id(request) -> what it was answered
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and the download
        self._prepared: dict[tuple[str, int | None], deque[dict[str, Any]]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._next_message_id = 1000

    def prepare(self, api_method: str, answer: dict[str, Any], chat_id: int | None = None) -> None:
        """The next `api_method` call (to `chat_id`, or to any chat) gets this raw Bot API answer."""
        self._prepared[(api_method, chat_id)].append(answer)

    def fail_next(self, api_method: str, code: int, description: str, chat_id: int | None = None) -> None:
        self.prepare(api_method, {"ok": False, "error_code": code, "description": description}, chat_id)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        name = method.__api_method__
        queued = self._prepared[(name, getattr(method, "chat_id", None))] or self._prepared[(name, None)]
        async with self._changed:
            self.requests.append(method)
            self._changed.notify_all()
        if name == "getUpdates" and not queued:
            await asyncio.Event().wait()  # a long poll with nothing to say: until polling stops
        answer = queued.popleft() if queued else {"ok": True, "result": self._default(method)}
        response = self.check_response(bot, method, answer.get("error_code", 200), json.dumps(answer))
        self.results[id(method)] = response.result
        return response.result  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        yield self.files[file_id]

    async def close(self) -> None:
        pass

    async def wait_for(self, found: Callable[[], bool], timeout: float = 10.0) -> None:
        """Until `found()` holds after some request (the outbox sends in its own tasks)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(found), timeout)

    def calls(self, api_method: str, chat_id: int | None = None) -> list[TelegramMethod[Any]]:
        return [
            m
            for m in self.requests
            if m.__api_method__ == api_method and (chat_id is None or getattr(m, "chat_id", None) == chat_id)
        ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [
            str(getattr(m, "text", None) or getattr(m, "caption", None) or "")
            for m in self.requests
            if getattr(m, "chat_id", None) == chat_id
        ]

    def _message(self, chat_id: Any) -> dict[str, Any]:
        self._next_message_id += 1
        return {
            "message_id": self._next_message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
        }

    def _default(self, method: TelegramMethod[Any]) -> Any:
        name = method.__api_method__
        chat_id = getattr(method, "chat_id", 0) or 0
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Сервис", "username": "service_bot"}
        if name == "getFile":
            file_id = method.file_id  # type: ignore[attr-defined]
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"photos/{file_id}",
            }
        if name == "sendMediaGroup":
            return [self._message(chat_id) for _ in method.media]  # type: ignore[attr-defined]
        if name.startswith("send") and name != "sendChatAction":
            return self._message(chat_id)
        if name == "copyMessage":
            return {"message_id": self._message(chat_id)["message_id"]}
        if name in ("getUpdates", "getMyCommands"):
            return []
        if name == "getMyDescription":
            return {"description": ""}
        if name == "getMyShortDescription":
            return {"short_description": ""}
        return True


class MockedBot(Bot):
    session: MockedSession

    def __init__(self) -> None:
        super().__init__(
            TOKEN, session=MockedSession(), default=DefaultBotProperties(parse_mode=ParseMode.HTML)
        )
