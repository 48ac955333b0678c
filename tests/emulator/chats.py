"""Chats: simulated users, the chat lookup every method uses, groups and channels, getChat, leaveChat.

A user adds the bot to a group (or posts in one): the updates carry a non-private chat. The bot
may only leave; anything it sends there fails with "chat not found" (recorded in `calls`)."""

from __future__ import annotations

import time
from typing import Any

from .common import (
    _int_or_none,
    bad,
)
from .models import ApiError
from .state import EmulatorState
from .users import SimUser


class ChatsMixin(EmulatorState):
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
