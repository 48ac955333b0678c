"""copyMessage and forwardMessage of a message already in a chat."""

from __future__ import annotations

import time
from typing import Any

from .common import (
    _int_or_none,
    bad,
)
from .models import BotMessage
from .state import EmulatorState
from .users import SimUser


class CopiesMixin(EmulatorState):
    def _source(self, p: dict, what: str) -> tuple[SimUser, dict]:
        src_user = self._chat(p, sending=False, key="from_chat_id")
        mid = _int_or_none(p.get("message_id"))
        raw = src_user._raw.get(mid or 0)
        if raw is None or mid in src_user._deleted:
            raise bad(f"message to {what} not found")
        return src_user, raw

    # What a message is, in the order Telegram's clients look for it; a copy carries these and its text.
    _KINDS = (
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
    _COPY_KEYS = (*_KINDS, "entities", "caption", "caption_entities")

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
        kind = next((k for k in self._KINDS if k in raw), "other")
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
