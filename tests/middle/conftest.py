"""The real dispatcher and services on a temporary database and a temporary copy of the sample
orders, with Telegram replaced by a mocked session; updates are fed with `dp.feed_update`."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.types import InlineKeyboardMarkup, Update

from config import load_settings
from database.connection import Database
from runtime.app import Services, build_dispatcher, build_services
from tests.conftest import ORDERS_FIXTURE, detach_routers
from tests.middle.mocked import BOT_ID, MockedBot, MockedSession

ADMIN_PHONE = "+375291110001"


class FakeRecognizer:
    """Reads what the test says is on the photo: the real readers and their worker processes are
    tested in tests/unit (test_barcodes, test_plates, test_recognizer) and end to end."""

    def __init__(self) -> None:
        self.barcodes_read: list[str] = []
        self.plates_read: list[str] = []
        self.photos: list[bytes] = []

    async def barcodes(self, data: bytes) -> list[str]:
        self.photos.append(data)
        return list(self.barcodes_read)

    async def plates(self, data: bytes, known: Collection[str] = ()) -> list[str]:
        self.photos.append(data)
        return list(self.plates_read)

    def warm_up(self) -> None:
        pass

    async def close(self) -> None:
        pass


@dataclass
class App:
    dp: Dispatcher
    bot: MockedBot
    services: Services
    orders_dir: Path
    recognizer: FakeRecognizer
    _ids: dict[str, int] = field(default_factory=lambda: {"update": 0, "message": 0})

    @property
    def session(self) -> MockedSession:
        return self.bot.session

    def person(self, telegram_id: int, first_name: str, phone: str) -> Person:
        return Person(self, telegram_id, first_name, phone)

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    async def feed(self, event: dict[str, Any]) -> None:
        update = Update.model_validate(
            {"update_id": self.next_id("update"), **event}, context={"bot": self.bot}
        )
        await self.dp.feed_update(self.bot, update)


@dataclass
class Person:
    app: App
    id: int
    first_name: str
    phone: str

    def _user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self.app.next_id("message"),
            "date": 1_700_000_000,
            "chat": {"id": self.id, "type": "private"},
            "from": self._user(),
            **content,
        }

    async def send_text(self, text: str) -> None:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        extra = {"entities": entities} if text.startswith("/") else {}
        await self.app.feed({"message": self._message(text=text, **extra)})

    async def send_contact(self) -> None:
        contact = {"phone_number": self.phone, "first_name": self.first_name, "user_id": self.id}
        await self.app.feed({"message": self._message(contact=contact)})

    async def send_photo(self, file_id: str, content: bytes, caption: str | None = None) -> None:
        self.app.session.files[file_id] = content
        size = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 1280, "height": 960}
        extra = {"caption": caption} if caption else {}
        await self.app.feed({"message": self._message(photo=[{**size, "file_size": len(content)}], **extra)})

    async def press(self, button_text: str) -> None:
        """Press the button whose text contains `button_text` on the latest message that has it."""
        data, message_id = self._find_button(button_text)
        query = {
            "id": str(self.app.next_id("update")),
            "from": self._user(),
            "chat_instance": "ci",
            "data": data,
            "message": {  # date 0 would make it an InaccessibleMessage
                "message_id": message_id,
                "date": 1_700_000_000,
                "chat": {"id": self.id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Сервис"},
            },
        }
        await self.app.feed({"callback_query": query})

    def _find_button(self, part: str) -> tuple[str, int]:
        for method in reversed(self.app.session.requests):
            markup = getattr(method, "reply_markup", None)
            if getattr(method, "chat_id", None) != self.id or not isinstance(markup, InlineKeyboardMarkup):
                continue
            for row in markup.inline_keyboard:
                for button in row:
                    if part in button.text and button.callback_data:
                        sent = self.app.session.results.get(id(method))
                        message_id = getattr(method, "message_id", None) or getattr(sent, "message_id", 1)
                        return button.callback_data, int(message_id)
        raise AssertionError(f"no button with {part!r} was sent to {self.id}")

    def texts(self) -> list[str]:
        return self.app.session.texts_to(self.id)

    async def wait_text(self, part: str, timeout: float = 10.0) -> None:
        await self.app.session.wait_for(lambda: any(part in text for text in self.texts()), timeout)


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[App]:
    orders_dir = tmp_path / "orders"
    await asyncio.to_thread(shutil.copytree, ORDERS_FIXTURE, orders_dir)
    env = {
        "BOT_TOKEN": "424242:MIDDLE-tier-token",
        "BRANCH_PHOTO": str(orders_dir),
        "DATABASE_PATH": str(tmp_path / "bot.db"),
        "ADMIN_PHONES": ADMIN_PHONE,
        "BACKUP_DIR": str(tmp_path / "backups"),
        "LOG_DIR": str(tmp_path / "logs"),
    }
    settings = load_settings(env=env, env_file=tmp_path / "missing.env", base_dir=tmp_path)
    db = await Database.open(settings.database_path)
    bot = MockedBot()
    recognizer = FakeRecognizer()
    services = replace(build_services(settings, db, bot, clock=clock), recognizer=recognizer)
    dp = build_dispatcher(services)
    sender = asyncio.create_task(services.outbox.run())  # the one background job these flows need
    try:
        yield App(dp, bot, services, orders_dir, recognizer)
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await services.close()
        await db.close()
        detach_routers(dp)
