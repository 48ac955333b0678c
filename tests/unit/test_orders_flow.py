"""services.orders_flow: opening an order, choosing its stage, entering its chat and finding it, in-process
(a real database, the pinned message through a fake `Pins`, the folder index through a fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from database.connection import Database
from database.orders import Order, OrderRepo
from database.users import Activity, Level, User
from database.work import WorkRepo
from services.orders_flow import (
    DAY_PAGE_SIZE,
    SEARCH_LIMIT,
    NoCurrentOrder,
    OrderChanged,
    OrderGone,
    OrdersFlow,
    PageGone,
    StageGone,
)

STAFF = User(5, "+375291110000", None, "Иван", Level.EMPLOYEE, Activity.ACTIVE, True, None)
STAGES = {"Приёмка": "01_priemka", "Ремонт": "02_remont"}


class FakePins:
    """`editable`: the pinned message can be edited in place (False: gone, a new pin is needed)."""

    def __init__(self, fail: bool = False, editable: bool = False) -> None:
        self.fail = fail
        self.editable = editable
        self.pinned: list[tuple[str, str | None]] = []
        self.edited: list[tuple[int, str, str | None]] = []
        self.unpinned: list[int] = []

    async def pin(self, order: Order, label: str | None) -> int | None:
        if self.fail:
            return None
        self.pinned.append((order.number, label))
        return 100 + len(self.pinned)

    async def edit(self, message_id: int, order: Order, label: str | None) -> bool:
        if self.editable:
            self.edited.append((message_id, order.number, label))
        return self.editable

    async def unpin(self, message_id: int) -> None:
        self.unpinned.append(message_id)


@dataclass
class Report:
    error: str | None = None


class FakeIndex:
    def __init__(self, error: str | None = None) -> None:
        self.refreshes = 0
        self.error = error

    async def refresh(self) -> Report:
        self.refreshes += 1
        return Report(self.error)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.db")
    await db.write_many(
        "INSERT INTO orders (id, number, number_fold, barcode, plate, data_ok, is_open, calendar_date,"
        " first_seen, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, '2026-01-01', 0, 0)",
        [
            (1, "A-100", "a-100", "111", "1234AB7", 1),
            (2, "A-200", "a-200", "222", None, 1),
            (3, "A-300", "a-300", None, None, 0),  # closed
        ],
    )
    yield db
    await db.close()


def _flow(db: Database, index: FakeIndex | None = None) -> OrdersFlow:
    return OrdersFlow(OrderRepo(db), WorkRepo(db), index or FakeIndex(), STAGES)  # type: ignore[arg-type]


async def test_opening_an_order_pins_it_enters_its_chat_and_unpins_the_previous(db: Database) -> None:
    flow, pins, work = _flow(db), FakePins(), WorkRepo(db)
    opened = await flow.open_order(STAFF, 1, pins)
    assert opened.order.number == "A-100" and opened.pinned
    await flow.leave_chat(STAFF)
    opened = await flow.open_order(STAFF, 2, pins)
    context = await work.get(STAFF.telegram_id)
    assert context is not None and (context.order_id, context.pin_message_id, context.chatting) == (
        2,
        102,
        True,
    )
    assert pins.pinned == [("A-100", None), ("A-200", None)] and pins.unpinned == [101]


async def test_the_pin_is_edited_in_place_when_it_can_be(db: Database) -> None:
    flow, pins = _flow(db), FakePins(editable=True)
    await flow.open_order(STAFF, 1, pins)  # no pin yet: a new one
    await flow.open_order(STAFF, 2, pins)
    await flow.choose_stage(STAFF, 2, 1, pins)
    assert pins.pinned == [("A-100", None)] and pins.unpinned == []
    assert pins.edited == [(101, "A-200", None), (101, "A-200", "Ремонт")]
    context = await WorkRepo(db).get(STAFF.telegram_id)
    assert context is not None and context.pin_message_id == 101


async def test_a_failed_pin_keeps_the_choice(db: Database) -> None:
    opened = await _flow(db).open_order(STAFF, 1, FakePins(fail=True))
    assert not opened.pinned
    context = await WorkRepo(db).get(STAFF.telegram_id)
    assert context is not None and context.order_id == 1 and context.pin_message_id is None


async def test_closed_unknown_and_missing_orders_are_refused(db: Database) -> None:
    flow = _flow(db)
    for order_id in (3, 99):
        with pytest.raises(OrderGone):
            await flow.open_order(STAFF, order_id, FakePins())
    with pytest.raises(NoCurrentOrder):
        await flow.current_order(STAFF)


async def test_a_stage_button_of_an_earlier_order_makes_it_current_again(db: Database) -> None:
    flow, pins = _flow(db), FakePins()
    await flow.open_order(STAFF, 1, pins)
    await flow.open_order(STAFF, 2, pins)
    chosen = await flow.choose_stage(STAFF, 1, 1, pins)
    assert (chosen.order.number, chosen.label, chosen.folder, chosen.pinned) == (
        "A-100",
        "Ремонт",
        "02_remont",
        True,
    )
    context = await WorkRepo(db).get(STAFF.telegram_id)
    assert context is not None and (context.order_id, context.type_label) == (1, "Ремонт")
    assert pins.pinned[-1] == ("A-100", "Ремонт")
    with pytest.raises(StageGone):
        await flow.choose_stage(STAFF, 1, 2, pins)


async def test_entering_the_chat_of_another_order_opens_it(db: Database) -> None:
    flow, pins = _flow(db), FakePins()
    await flow.open_order(STAFF, 1, pins)
    await flow.leave_chat(STAFF)
    entered = await flow.enter_chat(STAFF, 1, pins)
    assert entered.opened is None and len(pins.pinned) == 1
    assert (await WorkRepo(db).get(STAFF.telegram_id)).chatting  # type: ignore[union-attr]
    entered = await flow.enter_chat(STAFF, 2, pins)
    assert entered.opened is not None and entered.opened.order.number == "A-200"
    with pytest.raises(OrderChanged):
        await flow.back_to_chat(STAFF, 1)


async def test_finding_tries_barcode_plate_number_and_rescans_once(db: Database) -> None:
    index = FakeIndex()
    flow = _flow(db, index)
    assert [o.number for o in await flow.find_typed("222")] == ["A-200"]
    assert [o.number for o in await flow.find_typed("1234 ab-7")] == ["A-100"]
    assert [o.number for o in await flow.find_typed("300")] == [] and index.refreshes == 1
    found, matched = await flow.find_read(["999", "222", "111"], barcode=True)
    assert [o.number for o in found] == ["A-200", "A-100"] and matched == ["222", "111"]
    assert index.refreshes == 1  # something matched: no rescan
    assert await flow.find_read([], barcode=False) == ([], [])


async def test_one_open_order_found_is_opened_several_are_listed(db: Database) -> None:
    flow, pins, orders = _flow(db), FakePins(), OrderRepo(db)
    all_three = [await orders.get(n) for n in (1, 2, 3)]
    listed = await flow.offer(STAFF, all_three, pins)  # type: ignore[arg-type]
    assert listed.opened is None and [o.number for o in listed.orders] == ["A-100", "A-200"]
    one = await flow.offer(STAFF, all_three[1:], pins)  # type: ignore[arg-type]
    assert one.opened is not None and one.opened.order.number == "A-200" and pins.pinned == [("A-200", None)]


async def test_browsing_leaves_the_chat_and_reports_an_unreadable_index(db: Database) -> None:
    flow = _flow(db, FakeIndex(error="share offline"))
    await flow.open_order(STAFF, 1, FakePins())
    assert await flow.browse(STAFF) is False
    assert not (await WorkRepo(db).get(STAFF.telegram_id)).chatting  # type: ignore[union-attr]


class FakeReader:
    def __init__(self, read: list[str]) -> None:
        self.read = read
        self.known: set[str] | None = None

    async def barcodes(self, data: bytes) -> list[str]:
        return self.read

    async def plates(self, data: bytes, known: Collection[str] = ()) -> list[str]:
        self.known = set(known)
        return self.read


async def test_a_photo_is_read_and_what_it_names_is_offered(db: Database) -> None:
    flow, pins = _flow(db), FakePins()
    reader = FakeReader(["1234AB7", "9999XX7"])
    search = await flow.find_by_photo(STAFF, b"jpeg", False, reader, pins)
    assert reader.known == {"1234AB7"}  # the open orders' plates settle close reads
    assert search.matched == ["1234AB7"] and search.found.opened is not None
    assert search.found.opened.order.number == "A-100" and pins.pinned == [("A-100", None)]
    nothing = await flow.find_by_photo(STAFF, b"jpeg", True, FakeReader(["000"]), pins)
    assert nothing.read == ["000"] and nothing.found.orders == [] and len(pins.pinned) == 1


async def test_a_typed_search_offers_like_a_photo_and_refuses_too_many(db: Database) -> None:
    await db.write_many(
        "INSERT INTO orders (number, number_fold, is_open, calendar_date, first_seen, updated_at)"
        " VALUES (?, ?, 1, '2026-01-02', 0, 0)",
        [(f"B-{n:03}", f"b-{n:03}") for n in range(SEARCH_LIMIT + 1)],
    )
    flow, pins = _flow(db), FakePins()
    assert (await flow.search_typed(STAFF, "B-", pins)).too_many and pins.pinned == []
    listed = await flow.search_typed(STAFF, "A-", pins)
    assert [o.number for o in listed.orders] == ["A-100", "A-200"] and listed.opened is None
    opened = await flow.search_typed(STAFF, "222", pins)
    assert opened.opened is not None and opened.opened.order.number == "A-200"


async def test_a_day_lists_page_by_page_and_refuses_a_page_it_lacks(db: Database) -> None:
    rows = [(10 + i, f"D-{i:03}", f"d-{i:03}", f"+3752900000{i:02}") for i in range(45)]
    await db.write_many(
        "INSERT INTO orders (id, number, number_fold, phone, data_ok, is_open, calendar_date, first_seen,"
        " updated_at) VALUES (?, ?, ?, ?, 1, 1, '2026-02-03', 0, 0)",
        rows,
    )
    await db.write_many(
        "INSERT INTO users (telegram_id, phone, name, tg_name, level, created_at, updated_at)"
        " VALUES (?, ?, ?, 'tg', 3, '2026-01-01', '2026-01-01')",
        [(900, "+375290000001", "Анна"), (901, "+375290000002", None)],
    )
    flow = _flow(db)
    first = await flow.day_page(date(2026, 2, 3), 0)
    last = await flow.day_page(date(2026, 2, 3), 2)
    assert (first.total, first.pages, len(first.orders), len(last.orders)) == (45, 3, DAY_PAGE_SIZE, 5)
    assert [o.order.number for o in last.orders] == [f"D-{i:03}" for i in range(40, 45)]
    by_number = {item.order.number: item for item in first.orders}
    assert (by_number["D-001"].client_name, by_number["D-001"].connected) == ("Анна", True)
    assert (by_number["D-002"].client_name, by_number["D-002"].connected) == ("tg", True)
    assert (by_number["D-003"].client_name, by_number["D-003"].connected) == (None, False)
    with pytest.raises(PageGone):
        await flow.day_page(date(2026, 2, 3), 3)
    empty = await flow.day_page(date(2026, 2, 4), 0)
    assert (empty.total, empty.pages, empty.orders) == (0, 1, [])


async def test_a_number_search_opens_the_only_open_order_and_lists_several(db: Database) -> None:
    await db.write_many(
        "INSERT INTO orders (number, number_fold, is_open, calendar_date, first_seen, updated_at)"
        " VALUES (?, ?, 1, '2026-01-02', 0, 0)",
        [(f"B-{n:03}", f"b-{n:03}") for n in range(SEARCH_LIMIT + 1)],
    )
    flow, pins = _flow(db), FakePins()
    assert (await flow.search_number(STAFF, "B-", pins)).too_many and pins.pinned == []
    listed = await flow.search_number(STAFF, "A-", pins)  # A-300 is closed: not offered
    assert [o.number for o in listed.orders] == ["A-100", "A-200"] and listed.opened is None
    assert pins.pinned == []
    none = await flow.search_number(STAFF, "Z-", pins)
    assert none.orders == [] and none.opened is None and pins.pinned == []
    opened = await flow.search_number(STAFF, "200", pins)
    assert opened.opened is not None and opened.opened.order.number == "A-200"
    assert pins.pinned == [("A-200", None)]  # the card, pinned: the one message
    assert (await flow.current_order(STAFF)).number == "A-200"
