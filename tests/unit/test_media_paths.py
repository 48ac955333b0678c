"""Issue 12.2-12.4 without the bot: client albums as deliveries, held files, the chat flag, relay receipts."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from database.connection import Database
from database.held_media import HeldMediaRepo
from database.orders import OrderRepo
from database.outbox import Batch, Method, Outcome, Status
from database.work import WorkRepo
from services.conversations import DELIVERED_REACTION, Incoming, album_deliveries, relay_report
from services.media.incoming import IncomingFile, incoming_units

HEADER = "💬 <b>Ответ клиента</b>"
MARKUP = {"inline_keyboard": [[{"text": "➡️", "callback_data": "cv:o:1"}]]}


def _item(mid: int, kind: str = "photo", text: str = "") -> Incoming:
    return Incoming(7, mid, kind, text, f"F{mid}")


def _file(mid: int, group: str | None) -> IncomingFile:
    sent = datetime(2026, 12, 1, 10, 0, 0).astimezone()
    return IncomingFile(7, mid, "photo", f"F{mid}", 100, None, "jpg", "", group, sent)


async def _order(db: Database, number: str) -> int:
    await db.write(
        "INSERT INTO orders (number, number_fold, calendar_date, first_seen, updated_at)"
        " VALUES (?, ?, '2026-12-01', 0, 0)",
        (number, number),
    )
    return (await OrderRepo(db).search_open(number, 5))[0].id


def _batch(params: dict, *statuses: Status) -> Batch:
    outcomes = [Outcome(20 + i, Method.MESSAGE, status, None) for i, status in enumerate(statuses)]
    return Batch(5, "relay", 10, params, outcomes)


def test_client_album_is_one_album_with_the_header_then_the_buttons() -> None:
    out = album_deliveries(99, HEADER, [_item(1, text="a < b"), _item(2), _item(3)], MARKUP, "cm:7:1")
    assert [d.method for d in out] == [Method.MEDIA_GROUP, Method.MESSAGE]
    media = out[0].payload["media"]
    assert [part["media"] for part in media] == ["F1", "F2", "F3"]  # type: ignore[index]
    assert media[0]["caption"] == f"{HEADER}\na &lt; b" and "caption" not in media[1]  # type: ignore[index]
    assert out[1].payload["reply_markup"] == MARKUP and "3 файла" in str(out[1].payload["text"])
    assert len({d.dedup_key for d in out}) == 2 and all(d.chat_id == 99 for d in out)


def test_client_album_of_12_with_a_document_keeps_every_item_and_needs_no_buttons() -> None:
    items = [_item(i) for i in range(1, 12)] + [_item(12, "document")]
    out = album_deliveries(99, HEADER, items, None, "cr:7:1")
    sent = [p["media"] for d in out if d.method is Method.MEDIA_GROUP for p in d.payload["media"]]  # type: ignore[union-attr]
    sent += [d.payload[str(d.method)] for d in out if d.method in (Method.PHOTO, Method.DOCUMENT)]
    assert sorted(sent) == sorted(f"F{i}" for i in range(1, 13))
    assert Method.MESSAGE not in {d.method for d in out}


def test_relayed_text_gets_a_reaction_only_when_every_client_got_it() -> None:
    done = relay_report(_batch({"order": "A1", "react_to": 42}, Status.SENT, Status.SENT))
    assert done is not None and done.method is Method.REACTION and done.chat_id == 10
    assert done.payload == {"message_id": 42, "reaction": [{"type": "emoji", "emoji": DELIVERED_REACTION}]}
    failed = relay_report(_batch({"order": "A1", "react_to": 42}, Status.SENT, Status.BLOCKED))
    assert (
        failed is not None and failed.method is Method.MESSAGE and "не доставлено" in failed.payload["text"]
    )
    assert relay_report(_batch({"order": None}, Status.SENT)) is None  # a care answer: quiet as before


def test_held_file_survives_json_and_units_follow_albums() -> None:
    files = [_file(1, None), _file(2, "g"), _file(3, "g"), _file(4, None), _file(5, "h")]
    assert [IncomingFile.from_json(f.to_json()) for f in files] == files
    assert [[f.message_id for f in unit] for unit in incoming_units(files)] == [[1], [2, 3], [4], [5]]


async def test_held_files_are_kept_per_order_in_order_and_released(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    a, b = await _order(db, "a1"), await _order(db, "b2")
    held = HeldMediaRepo(db)
    await held.hold(10, a, [("7:3", {"n": 3}), ("7:2", {"n": 2})])
    await held.hold(10, b, [("7:4", {"n": 4})])
    await held.hold(10, b, [("7:3", {"n": 99})])  # a replay keeps the first order and payload
    await held.hold(11, a, [("8:1", {"n": 1})])  # another employee's
    assert [h.payload["n"] for h in await held.for_order(10, a, 0)] == [3, 2]
    assert [h.dedup_key for h in await held.for_order(10, b, 0)] == ["7:4"]
    await held.hold(10, None, [("7:5", {"n": 5})])  # before any order: goes with the next stage tapped
    assert [h.dedup_key for h in await held.for_order(10, b, 0)] == ["7:4", "7:5"]
    assert [h.dedup_key for h in await held.for_order(10, b, time.time() + 1)] == ["7:4"]  # too old
    await held.release(["7:3", "7:2", "7:5"])
    assert await held.for_order(10, a, 0) == []
    await db.close()


async def test_opening_an_order_enters_its_chat_and_leaving_is_remembered(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    order_id = await _order(db, "a1")
    work = WorkRepo(db)
    assert (await work.chat_target(10)).order is None
    await work.set_order(10, order_id)
    target = await work.chat_target(10)
    assert target.chatting and target.order is not None and target.order.id == order_id
    await work.set_chatting(10, False)
    assert not (await work.chat_target(10)).chatting and not (await work.get(10)).chatting  # type: ignore[union-attr]
    await work.set_order(10, order_id)
    assert (await work.chat_target(10)).chatting
    await db.close()
