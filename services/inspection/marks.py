"""Condition marks on filed photos and videos: 🟢 ok, 🟡 soon, 🔴 now, with a short note.

A mark comes from a tap under the filing confirmation (the whole message or album at once) or from
the caption's first word (`caption_mark`). The owner sees it with the photo: a file marked before it
reaches the client carries the mark in its caption (`client_caption`, used by every delivery of filed
files); a file marked after it was delivered gets a short follow-up message replying to the client's
copy of it, and a note typed later edits that same follow-up (one message per mark, never a pile).
No aiogram here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import texts
from database.marks import MarkRepo, MediaMark
from database.media import MediaRecord
from database.orders import Order, OrderRepo
from database.outbox import Delivery, Method
from database.protocol import ProtocolEntry
from database.users import User
from services.ports import Deliveries, Recorder

log = logging.getLogger(__name__)

NOTE_LIMIT = 300  # characters of a note; a longer text is cut (nothing is asked again)
EDIT_OF = "edit_of"  # the outbox's edit convention (runtime.outbox_delays.EDIT_OF)
MARKABLE_KINDS = frozenset({"photo", "video"})


class Mark(StrEnum):
    OK = "ok"
    SOON = "soon"
    NOW = "now"


# The caption's first word or emoji. Words count only as a whole first word ("срочно: колодки",
# "Скоро - масло"), so a caption that merely starts with "окно..." is not a mark.
_EMOJI = {"🟢": Mark.OK, "🟡": Mark.SOON, "🔴": Mark.NOW}
_WORDS = {
    "ок": Mark.OK, "ok": Mark.OK, "окей": Mark.OK, "норма": Mark.OK, "хорошо": Mark.OK,
    "скоро": Mark.SOON, "внимание": Mark.SOON,
    "срочно": Mark.NOW,
}  # fmt: skip
_FIRST_WORD = re.compile(r"^\s*([^\W\d_]+)(?=$|[\s:;,.!\-—–])", re.UNICODE)
_SEPARATORS = " \t\n:;,.!-—–"


def caption_mark(caption: str | None) -> tuple[Mark | None, str]:
    """The mark a caption starts with and the rest of it (the note); (None, caption) when none."""
    text = (caption or "").strip()
    mark = None
    for emoji, value in _EMOJI.items():
        if text.startswith(emoji):
            mark, text = value, text[len(emoji) :].lstrip(_SEPARATORS + "\ufe0f")
            break
    word = _FIRST_WORD.match(text)
    if word and word.group(1).casefold() in _WORDS:
        worded = _WORDS[word.group(1).casefold()]
        if mark is None or mark is worded:  # "🔴 срочно: ..." says it twice
            mark, text = worded, text[word.end() :]
    if mark is None:
        return None, (caption or "").strip()
    return mark, text.lstrip(_SEPARATORS).strip()


def client_caption(caption: str, mark: MediaMark | None) -> str:
    """The caption a client gets with a file: its mark line first (if marked), then the caption."""
    if mark is None:
        return caption
    _, rest = caption_mark(caption)
    line = texts.mark_caption(mark.mark, mark.note)
    return f"{line}\n{rest}" if rest and rest != mark.note else line


@dataclass(frozen=True, slots=True)
class Marked:
    """A tap's result: which files got the mark, and the client follow-ups (client id, outbox key)."""

    media_ids: list[int]
    order: Order
    mark: Mark
    note: str
    followups: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ask_note(self) -> bool:
        return self.mark is not Mark.OK and not self.note


class MarkRefused(StrEnum):
    NOT_FOUND = "not_found"  # no such file (a forged button), or nothing markable in it
    CLOSED = "closed"  # the order is closed: its files are no longer worked on


class MarkService:
    def __init__(self, *, marks: MarkRepo, orders: OrderRepo, outbox: Deliveries, protocol: Recorder) -> None:
        self._marks = marks
        self._orders = orders
        self._outbox = outbox
        self._protocol = protocol

    async def from_captions(self, staff: User, records: Sequence[MediaRecord]) -> dict[int, Mark]:
        """Marks the captions of just filed files start with (stored unless a mark is there already)."""
        found: dict[int, Mark] = {}
        for record in records:
            if record.kind not in MARKABLE_KINDS:
                continue
            mark, note = caption_mark(record.caption)
            if mark is not None:
                await self._marks.add_if_absent(record.id, mark, note[:NOTE_LIMIT], staff.telegram_id)
                found[record.id] = mark
        return found

    async def captions(self, records: Sequence[MediaRecord]) -> dict[int, str]:
        """The client's caption of each file (the mark line first for marked ones)."""
        marks = await self._marks.of([r.id for r in records])
        return {r.id: client_caption(r.caption, marks.get(r.id)) for r in records}

    async def mark(self, staff: User, media_id: int, mark: Mark, event_key: str) -> Marked | MarkRefused:
        """Mark a filed message or album (`media_id` is its first file) after the staff member's tap.

        `event_key` identifies the tap (the callback query id): a replayed update queues nothing twice."""
        album = await self._marks.album_of(media_id)
        files = [item for item in album if item.kind in MARKABLE_KINDS]
        if not files:
            return MarkRefused.NOT_FOUND
        order = await self._orders.get(files[0].order_id)
        if order is None:
            return MarkRefused.NOT_FOUND
        if not order.is_open:
            return MarkRefused.CLOSED
        ids = [item.media_id for item in files]
        await self._marks.set(ids, mark, None, staff.telegram_id)
        stored = (await self._marks.of(ids[:1])).get(ids[0])
        note = stored.note if stored else ""
        await self._record(staff, order, mark, note, f"mark:{event_key}")
        followups = await self._follow_up(staff, order, ids[0], mark, note, event_key)
        return Marked(ids, order, mark, note, followups)

    async def note(
        self,
        staff: User,
        media_ids: Sequence[int],
        mark: Mark,
        note: str,
        followups: Sequence[tuple[int, str]],
        event_key: str,
    ) -> str | None:
        """The note typed after a tap: stored on every file of the mark, the client follow-ups edited
        (one message per mark). None when the files are gone (never, short of a forged state)."""
        album = await self._marks.album_of(media_ids[0]) if media_ids else []
        order = await self._orders.get(album[0].order_id) if album else None
        if order is None:
            return None
        note = " ".join(note.split())[:NOTE_LIMIT]
        await self._marks.set_note(media_ids, note)
        await self._record(staff, order, mark, note, f"mark-note:{event_key}")
        text = texts.mark_followup(order.number, mark, note)
        edits = [
            Delivery(client_id, Method.EDIT_TEXT, {"text": text, EDIT_OF: key}, f"{key}:note:{event_key}")
            for client_id, key in followups
        ]
        await self._outbox.enqueue(edits)
        return note

    async def _follow_up(
        self, staff: User, order: Order, media_id: int, mark: Mark, note: str, event_key: str
    ) -> list[tuple[int, str]]:
        """A message to each client who already has the file (replying to their copy of it)."""
        deliveries, keys = [], []
        tag = hashlib.sha1(event_key.encode()).hexdigest()[:12]  # a callback id can be long
        for copy in await self._marks.client_copies(media_id):
            payload: dict[str, object] = {"text": texts.mark_followup(order.number, mark, note)}
            if copy.message_ids:
                payload["reply_to"] = copy.message_ids[min(copy.position, len(copy.message_ids) - 1)]
            key = f"mark:{staff.telegram_id}:{copy.client_id}:{media_id}:{tag}"
            deliveries.append(Delivery(copy.client_id, Method.MESSAGE, payload, key))
            keys.append((copy.client_id, key))
        await self._outbox.enqueue(deliveries)
        return keys

    async def _record(self, staff: User, order: Order, mark: Mark, note: str, key: str) -> None:
        await self._protocol.record(
            ProtocolEntry.in_order(
                staff,
                order,
                recipient=texts.MARK_PROTOCOL_RECIPIENT,
                kind="mark",
                text=texts.mark_protocol(mark, note),
                dedup_key=key,
            )
        )
