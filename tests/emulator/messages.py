"""Messages the bot sends: text and HTML checks, keyboards, replies, single media and albums."""

from __future__ import annotations

import re
import time
from typing import Any

from .common import (
    BUTTON_KINDS,
    _int_or_none,
    _InvalidJson,
    bad,
)
from .models import BotMessage, StoredFile
from .state import EmulatorState
from .tg_html import HtmlParseError, parse_html, plain_entities, utf16_len
from .users import SimUser


class MessagesMixin(EmulatorState):
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
