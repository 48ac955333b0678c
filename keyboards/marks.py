"""The 🟢/🟡/🔴 buttons under the filing confirmation, and the media reporter that adds them."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

import texts
from database.outbox import Batch, Delivery
from keyboards.callbacks import MarkAction, MarkCb

Reporter = Callable[[Batch], Delivery | None]  # an outbox batch reporter (runtime.outbox_reports)


def mark_buttons(media_id: int, current: str | None = None, no_note: bool = False) -> InlineKeyboardMarkup:
    """One row of marks for a whole message or album (the current one ticked), "no note" when asked."""
    row = [
        InlineKeyboardButton(
            text=("✔ " if mark == current else "") + label,
            callback_data=MarkCb(action=MarkAction.SET, media_id=media_id, mark=mark).pack(),
        )
        for mark, label in texts.MARK_BUTTONS.items()
    ]
    rows = [row]
    if no_note:
        data = MarkCb(action=MarkAction.NO_NOTE, media_id=media_id, mark=current or "ok").pack()
        rows.append([InlineKeyboardButton(text=texts.MARK_NO_NOTE_BUTTON, callback_data=data)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def with_mark_buttons(reporter: Reporter) -> Reporter:
    """The media report with the mark buttons (and the caption's mark) when photos or videos were
    filed: the one confirmation the employee gets is where they mark (no extra message)."""

    def report(batch: Batch) -> Delivery | None:
        delivery = reporter(batch)
        media_id = batch.params.get("mark_media")
        if delivery is None or not media_id:
            return delivery
        payload = dict(delivery.payload)
        mark = batch.params.get("mark")
        if mark in texts.MARK_EMOJI:
            payload["text"] = f"{payload['text']}\n{texts.mark_line(mark, '')}"
        markup = mark_buttons(int(media_id), mark if mark in texts.MARK_EMOJI else None)
        payload["reply_markup"] = markup.model_dump(exclude_none=True)
        return Delivery(delivery.chat_id, delivery.method, payload, delivery.dedup_key)

    return report
