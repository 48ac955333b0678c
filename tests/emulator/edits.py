"""Changes to sent messages: edits, deletion, reactions, pins, chat actions."""

from __future__ import annotations

import time
from typing import Any

from .common import (
    ALLOWED_REACTIONS,
    CHAT_ACTIONS,
    MSG_NOT_MODIFIED,
    _int_or_none,
    bad,
)
from .models import ApiError, BotMessage
from .state import EmulatorState
from .users import SimUser


class EditsMixin(EmulatorState):
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
