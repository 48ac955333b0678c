"""runtime.outbox_calls: stored payloads become Bot API calls; every outbox call has one retry owner."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMediaGroup, SendMessage, SetMessageReaction, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

import texts
from database.outbox import BatchSpec, Delivery, Method, OutboxItem
from database.users import Activity, Level, User
from runtime.commands import sync_role
from runtime.outbox_calls import send_item
from runtime.session import CallerRetries


class RecordingBot:
    id = 42

    def __init__(self) -> None:
        self.calls: list[TelegramMethod[Any]] = []

    async def __call__(self, method: TelegramMethod[Any]) -> Any:
        self.calls.append(method)
        if isinstance(method, SendMediaGroup):
            return [SimpleNamespace(message_id=10 + i) for i in range(len(method.media))]
        return SimpleNamespace(message_id=7)

    async def set_my_commands(self, *args: Any, **kwargs: Any) -> bool:
        return True

    async def delete_my_commands(self, *args: Any, **kwargs: Any) -> bool:
        return True


class RecordingOutbox:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []

    async def enqueue(self, deliveries: list[Delivery], batch: BatchSpec | None = None) -> None:
        self.deliveries.extend(deliveries)


def _item(method: Method, payload: dict[str, Any]) -> OutboxItem:
    return OutboxItem(1, 500, method, payload, None, 0, 0.0)


async def test_every_outbox_call_leaves_retries_to_the_outbox() -> None:
    bot = RecordingBot()
    ids = await send_item(bot, _item(Method.MESSAGE, {"text": "a"}), {"text": "a"})  # type: ignore[arg-type]
    media = {"media": [{"type": "photo", "media": "f1"}, {"type": "photo", "media": "f2"}]}
    ids += await send_item(bot, _item(Method.MEDIA_GROUP, media), media)  # type: ignore[arg-type]
    reaction = {"message_id": 3, "reaction": [{"emoji": "👍"}]}
    ids += await send_item(bot, _item(Method.REACTION, reaction), reaction)  # type: ignore[arg-type]
    assert ids == [7, 10, 11]
    assert [type(call).__mro__[1] for call in bot.calls] == [SendMessage, SendMediaGroup, SetMessageReaction]
    assert all(isinstance(call, CallerRetries) for call in bot.calls)  # the session tries once


async def test_stored_keyboards_of_every_kind_are_sent_as_such() -> None:
    bot = RecordingBot()
    inline = {"inline_keyboard": [[{"text": "ok", "callback_data": "x"}]]}
    reply = {"keyboard": [[{"text": "b"}]], "resize_keyboard": True}
    for markup in (inline, reply, {"remove_keyboard": True}):
        payload = {"text": "t", "reply_markup": markup}
        await send_item(bot, _item(Method.MESSAGE, payload), payload)  # type: ignore[arg-type]
    kinds = [type(call.reply_markup) for call in bot.calls]  # type: ignore[attr-defined]
    assert kinds == [InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove]


async def test_a_role_notice_goes_through_the_outbox_with_the_roles_reply_keyboard() -> None:
    bot, outbox = RecordingBot(), RecordingOutbox()
    client = User(500, "+375291112233", None, "Ann", Level.CLIENT, Activity.ACTIVE, True, None)
    await sync_role(bot, MemoryStorage(), outbox, client, "notice")  # type: ignore[arg-type]
    assert bot.calls == []  # nothing sent directly
    [delivery] = outbox.deliveries
    assert (delivery.chat_id, delivery.method, delivery.payload["text"]) == (500, Method.MESSAGE, "notice")
    await send_item(bot, _item(delivery.method, delivery.payload), delivery.payload)  # type: ignore[arg-type]
    keyboard = bot.calls[0].reply_markup  # type: ignore[attr-defined]
    assert isinstance(keyboard, ReplyKeyboardMarkup)
    assert keyboard.keyboard[0][0].text == texts.CARE_BUTTON

    gone = User(501, "+375291112234", None, "Bob", Level.EMPLOYEE, Activity.INACTIVE, True, None)
    await sync_role(bot, MemoryStorage(), outbox, gone, "blocked")  # type: ignore[arg-type]
    assert outbox.deliveries[-1].payload["reply_markup"] == {"remove_keyboard": True}
