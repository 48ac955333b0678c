"""Button presses (callback queries) and their answers."""

from __future__ import annotations

import time
from typing import Any

from .common import (
    QUERY_TOO_OLD,
    _int_or_none,
    bad,
)
from .models import BotMessage
from .state import EmulatorState
from .tg_html import utf16_len
from .users import SimUser


class CallbacksMixin(EmulatorState):
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

    def replay_callback(self, qid: str) -> None:
        """The update of press ``qid`` delivered again, same update_id and query id (a replay)."""
        uid = next(
            uid
            for uid, (kind, update) in self._pushed.items()
            if kind == "callback_query" and update[kind]["id"] == qid
        )
        self.replay_update(uid)

    def unanswered_callbacks(self, older_than: float = 5.0) -> list[str]:
        """Button presses the bot never answered (the user's button keeps spinning), older than N s."""
        now = time.monotonic()
        pending = self._callbacks.items()
        return [qid for qid, (_user, at, answered) in pending if not answered and now - at > older_than]

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
