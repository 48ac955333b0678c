"""SimUser: a simulated Telegram user talking to the bot in a private chat (chat id == user id)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .models import BotMessage, wait_until

if TYPE_CHECKING:
    from .server import TelegramEmulator

__all__ = ["SimUser"]

Predicate = Callable[[BotMessage], bool]


class SimUser:
    """Create with ``emu.add_user(...)``; every ``send_*`` queues one Update (several for albums).

    ``wait_for`` semantics: a per-user cursor into ``messages``. ``wait_for`` only looks at messages
    after the cursor and, on success, moves the cursor just past the last message it returned, so
    ``await user.send_text(...); await user.wait_text(...)`` never races with a fast bot.
    ``mark()`` moves the cursor to the end (ignore everything received so far).
    """

    def __init__(
        self,
        emu: TelegramEmulator,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        phone: str | None,
        language_code: str | None,
    ) -> None:
        self.emu = emu
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.phone = phone
        self.language_code = language_code
        self.started = False  # has written to the bot at least once
        self.blocked = False
        self.messages: list[BotMessage] = []
        self.sent: list[dict] = []  # this user's own messages (Message dicts), in order
        self.callback_answers: list[dict] = []
        self.chat_actions: list[str] = []
        self.reply_keyboard: dict | None = None  # current reply keyboard markup (None = none/removed)
        self.menu_button: dict | None = None
        self.pinned_ids: list[int] = []
        self.reactions: dict[int, list[str]] = {}  # message id -> the bot's reaction emoji on it
        self._by_id: dict[int, BotMessage] = {}
        self._raw: dict[int, dict] = {}  # every message in this chat (user's and bot's), by id
        self._deleted: set[int] = set()
        self._next_message_id = 1
        self._cursor = 0
        self._changed = asyncio.Event()
        self.user_dict: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user_dict["last_name"] = last_name
        if username:
            self.user_dict["username"] = username
        if language_code:
            self.user_dict["language_code"] = language_code
        self.chat_dict: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            self.chat_dict["last_name"] = last_name
        if username:
            self.chat_dict["username"] = username

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r}, phone={self.phone!r})"

    # ------------------------------------------------------------------ chat state

    @property
    def chat_id(self) -> int:
        return self.id

    @property
    def pinned(self) -> BotMessage | None:
        """The most recently pinned (still pinned) bot message, or None."""
        for mid in reversed(self.pinned_ids):
            msg = self._by_id.get(mid)
            if msg is not None:
                return msg
        return None

    @property
    def commands(self) -> list[dict]:
        """Commands this user sees: chat scope, else all_private_chats, else default (language-aware)."""
        return self.emu.commands_for(self)

    @property
    def last(self) -> BotMessage | None:
        return self.messages[-1] if self.messages else None

    def message(self, message_id: int) -> BotMessage | None:
        return self._by_id.get(message_id)

    def _next_id(self) -> int:
        mid = self._next_message_id
        self._next_message_id += 1
        return mid

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _add_bot_message(self, msg: BotMessage) -> None:
        self.messages.append(msg)
        self._by_id[msg.message_id] = msg
        self._raw[msg.message_id] = msg.raw
        markup = msg.reply_markup
        if markup:
            if "keyboard" in markup:
                self.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                self.reply_keyboard = None
        self._notify()

    # ------------------------------------------------------------------ sending (user -> bot)

    def _message(self, content: dict[str, Any]) -> dict[str, Any]:
        msg = {
            "message_id": self._next_id(),
            "from": self.user_dict,
            "chat": self.chat_dict,
            "date": int(time.time()),
        }
        msg.update(content)
        self._raw[msg["message_id"]] = msg
        self.sent.append(msg)
        self.started = True
        return msg

    def _deliver(self, content: dict[str, Any]) -> dict[str, Any]:
        msg = self._message(content)
        self.emu.push_update("message", msg)
        return msg

    async def send_text(self, text: str, reply_to: int | None = None) -> dict:
        """Send a text message; a leading /command gets a bot_command entity. Returns the Message dict.
        ``reply_to``: the id of a message in this chat the user replies to (swipe → reply)."""
        content: dict[str, Any] = {"text": text}
        if reply_to is not None:
            target = self._raw.get(reply_to)
            assert target is not None, f"{self!r}: no message #{reply_to} to reply to"
            content["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        if text.startswith("/"):
            end = len(text.split(None, 1)[0]) if text.strip() else 0
            if end > 1:
                content["entities"] = [{"type": "bot_command", "offset": 0, "length": end}]
        return self._deliver(content)

    async def reply_keyboard_press(self, text: str) -> dict:
        """A reply-keyboard button just sends its text."""
        return await self.send_text(text)

    async def send_contact(
        self,
        phone: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> dict:
        """Share a contact. Defaults: own phone and own user_id (what the request_contact button sends).

        Pass another ``user_id`` for someone else's contact; ``user_id=0`` omits contact.user_id entirely.
        """
        contact: dict[str, Any] = {
            "phone_number": phone if phone is not None else (self.phone or ""),
            "first_name": first_name or self.first_name,
        }
        if last_name or (first_name is None and self.last_name):
            contact["last_name"] = last_name or self.last_name
        uid = self.id if user_id is None else user_id
        if uid:
            contact["user_id"] = uid
        return self._deliver({"contact": contact})

    def _media_content(
        self, kind: str, data: bytes, file_name: str | None, mime_type: str | None, declared_size: int | None
    ) -> dict[str, Any]:
        emu = self.emu
        if kind == "photo":
            sizes = emu.store_photo(data)
            return {"photo": [emu.photo_size_dict(f) for f in sizes]}
        if kind == "video":
            f = emu.store_file(
                "video",
                data,
                file_name=file_name or "video.mp4",
                mime_type=mime_type or "video/mp4",
                declared_size=declared_size,
            )
            return {"video": emu.file_dict(f)}
        if kind == "document":
            f = emu.store_file(
                "document",
                data,
                file_name=file_name or "file.bin",
                mime_type=mime_type or "application/octet-stream",
                declared_size=declared_size,
            )
            return {"document": emu.file_dict(f)}
        raise ValueError(f"unknown media kind {kind!r}")

    async def send_photo(self, data: bytes, caption: str | None = None) -> dict:
        content = self._media_content("photo", data, None, None, None)
        if caption:
            content["caption"] = caption
        return self._deliver(content)

    async def send_video(
        self,
        data: bytes,
        caption: str | None = None,
        file_name: str = "video.mp4",
        declared_size: int | None = None,
    ) -> dict:
        content = self._media_content("video", data, file_name, "video/mp4", declared_size)
        if caption:
            content["caption"] = caption
        return self._deliver(content)

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        declared_size: int | None = None,
    ) -> dict:
        """``declared_size`` fakes file_size (e.g. 25 MB) without holding the bytes."""
        content = self._media_content("document", data, file_name, mime_type, declared_size)
        if caption:
            content["caption"] = caption
        return self._deliver(content)

    async def send_album(
        self,
        items: list[tuple[str, bytes] | tuple[str, bytes, str]],
        caption: str | None = None,
        delay: float = 0.0,
    ) -> list[dict]:
        """One update per part, shared media_group_id, caption on the first part.

        ``delay`` > 0 spaces the parts out (to exercise album grouping across getUpdates batches).
        """
        group_id = self.emu.new_media_group_id()
        out = []
        for index, item in enumerate(items):
            kind, data = item[0], item[1]
            file_name = item[2] if len(item) > 2 else None  # type: ignore[misc]
            content = self._media_content(kind, data, file_name, None, None)
            content["media_group_id"] = group_id
            if index == 0 and caption:
                content["caption"] = caption
            out.append(self._deliver(content))
            if delay and index + 1 < len(items):
                await asyncio.sleep(delay)
        return out

    async def send_sticker(self) -> dict:
        f = self.emu.store_file("sticker", b"emu-sticker-webp", file_name=None, mime_type="image/webp")
        sticker = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\U0001f44d",
            "file_size": f.size,
        }
        return self._deliver({"sticker": sticker})

    async def send_voice(self, data: bytes = b"OggS-emu-voice", duration: int = 2) -> dict:
        f = self.emu.store_file("voice", data, file_name=None, mime_type="audio/ogg")
        voice = {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": f.size,
        }
        return self._deliver({"voice": voice})

    async def send_location(self, latitude: float, longitude: float) -> dict:
        return self._deliver({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_poll(self, question: str, options: list[str]) -> dict:
        poll = {
            "id": self.emu.new_id(),
            "question": question,
            "options": [
                {"persistent_id": str(i), "text": text, "voter_count": 0} for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": False,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        return self._deliver({"poll": poll})

    # ------------------------------------------------------------------ buttons

    async def press(self, callback_data: str, message_id: int | None = None) -> str:
        """Send a callback_query for ``callback_data`` (not checked against the keyboard: stale/forged
        data can be tested). message = ``message_id`` or the latest bot message with an inline keyboard.
        Returns the callback query id."""
        if message_id is not None:
            msg = self._by_id.get(message_id)
            if msg is None:
                raise AssertionError(f"{self!r}: no bot message #{message_id}")
        else:
            msg = next((m for m in reversed(self.messages) if m.buttons() and not m.deleted), None)
            if msg is None:
                raise AssertionError(f"{self!r}: no bot message with an inline keyboard\n{self.dump()}")
        self.started = True
        return self.emu.push_callback(self, msg, callback_data)

    async def press_button(self, text_substring: str) -> str:
        """Press the inline button whose text contains ``text_substring`` in the latest message having it."""
        for msg in reversed(self.messages):
            if msg.deleted:
                continue
            for text, data in msg.buttons():
                if text_substring in text:
                    if data is None:
                        raise AssertionError(f"button {text!r} has no callback_data (url/other button)")
                    return await self.press(data, msg.message_id)
        raise AssertionError(f"{self!r}: no inline button containing {text_substring!r}\n{self.dump()}")

    def block_bot(self) -> None:
        if not self.blocked:
            self.blocked = True
            self.emu.push_member_update(self, "member", "kicked")

    def unblock_bot(self) -> None:
        if self.blocked:
            self.blocked = False
            self.emu.push_member_update(self, "kicked", "member")

    # ------------------------------------------------------------------ waiting

    def mark(self) -> None:
        """Move the wait_for cursor to the end: later waits only see messages sent after this."""
        self._cursor = len(self.messages)

    async def wait_for(
        self, predicate: Predicate | None = None, count: int = 1, timeout: float = 10.0
    ) -> list[BotMessage]:
        """Wait until ``count`` messages after the cursor match; return them and advance the cursor."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            found: list[BotMessage] = []
            last_index = -1
            for index in range(self._cursor, len(self.messages)):
                msg = self.messages[index]
                if predicate is None or predicate(msg):
                    found.append(msg)
                    last_index = index
                    if len(found) >= count:
                        self._cursor = last_index + 1
                        return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self!r}: timed out after {timeout}s waiting for {count} message(s), "
                    f"got {len(found)} matching\n{self.dump()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_text(self, substring: str, timeout: float = 10.0) -> BotMessage:
        """Wait for a new message whose text or caption contains ``substring``."""
        found = await self.wait_for(lambda m: substring in m.content, 1, timeout)
        return found[0]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``condition()`` is true (re-checked on every change in this chat: edits too)."""
        await wait_until(
            condition,
            lambda: self._changed,
            timeout,
            lambda: f"{self!r}: condition not met within {timeout}s\n{self.dump()}",
        )

    def dump(self, last: int = 15) -> str:
        lines = [f"--- chat {self.id}: {len(self.messages)} bot message(s), cursor at {self._cursor} ---"]
        start = max(0, len(self.messages) - last)
        for index in range(start, len(self.messages)):
            marker = ">" if index >= self._cursor else " "
            lines.append(f"{marker} {self.messages[index].describe()}")
        if self.callback_answers:
            lines.append(f"callback answers: {self.callback_answers[-3:]}")
        errors = self.emu.recent_errors(self.id)
        if errors:
            lines.append("recent failed API calls for this chat:")
            lines.extend(f"  {c.method} -> {c.status} {c.description}" for c in errors)
        return "\n".join(lines)
