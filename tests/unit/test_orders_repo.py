from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio

from database.connection import Database
from database.orders import NewOrder, OrderData, OrderRepo, escape_like


def _data(number: str, **fields: object) -> OrderData:
    values: dict[str, object] = {
        "barcode": None,
        "phone": None,
        "phone_raw": None,
        "plate": None,
        "problem": None,
        "dir_mtime_ns": 1,
        "content_mtime_ns": 2,
        "content_size": 3,
    }
    values.update(fields)
    return OrderData(number=number, **values)  # type: ignore[arg-type]


def _new(number: str, day: date, **fields: object) -> NewOrder:
    return NewOrder(_data(number, **fields), day, 1_700_000_000)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


@pytest_asyncio.fixture
async def repo(db: Database) -> OrderRepo:
    repo = OrderRepo(db)
    await repo.apply_scan(
        added=[
            _new("A-100", date(2025, 1, 31), barcode="111", phone="+375291111111", plate="0434MH1"),
            _new("a-101", date(2025, 2, 1), barcode="222", phone="+375291111111", plate="1234AB7"),
            _new("b-200", date(2025, 2, 14), problem="missing"),
            _new("b-201", date(2025, 2, 14)),
            _new("c-300", date(2025, 2, 20), barcode="111", phone="+375291111111", plate="0434MH1"),
            _new("d-400", date(2024, 2, 10)),
            _new("e-500", date(2025, 12, 31)),
            _new("e-501", date(2026, 1, 1)),
        ],
        changed=[],
        reopened=[],
        closed=[],
        now=1_700_000_000,
    )
    await repo.apply_scan(added=[], changed=[], reopened=[], closed=["c-300"], now=1_700_000_001)
    return repo


@pytest.mark.asyncio
async def test_get_and_get_by_number(repo: OrderRepo) -> None:
    order = await repo.get_by_number("A-100")
    assert order is not None
    assert order.number == "A-100" and order.barcode == "111" and order.plate == "0434MH1"
    assert order.data_ok is True and order.problem is None and order.is_open is True
    assert order.calendar_date == date(2025, 1, 31)
    assert await repo.get(order.id) == order
    assert await repo.get(order.id + 1000) is None
    assert await repo.get_by_number("a-100") is None  # numbers are exact; search is the fuzzy one
    flagged = await repo.get_by_number("b-200")
    assert flagged is not None and flagged.data_ok is False and flagged.problem == "missing"


@pytest.mark.asyncio
async def test_days_with_open_orders_respects_month_bounds_and_closed(repo: OrderRepo) -> None:
    assert await repo.days_with_open_orders(2025, 2) == {1, 14}  # 20th is closed
    assert await repo.days_with_open_orders(2025, 1) == {31}
    assert await repo.days_with_open_orders(2025, 12) == {31}
    assert await repo.days_with_open_orders(2026, 1) == {1}
    assert await repo.days_with_open_orders(2024, 3) == set()


@pytest.mark.asyncio
async def test_open_on_sorted_limited_and_open_only(repo: OrderRepo) -> None:
    assert [o.number for o in await repo.open_on(date(2025, 2, 14))] == ["b-200", "b-201"]
    assert [o.number for o in await repo.open_on(date(2025, 2, 14), limit=1)] == ["b-200"]
    assert await repo.open_on(date(2025, 2, 20)) == []


@pytest.mark.asyncio
async def test_search_open_is_case_insensitive_and_limited(repo: OrderRepo) -> None:
    assert [o.number for o in await repo.search_open("a-1", 10)] == ["A-100", "a-101"]
    assert [o.number for o in await repo.search_open("A-10", 1)] == ["A-100"]
    assert [o.number for o in await repo.search_open("-30", 10)] == []  # c-300 is closed


@pytest.mark.asyncio
async def test_search_open_treats_like_wildcards_literally(repo: OrderRepo) -> None:
    await repo.apply_scan(
        added=[_new(n, date(2025, 3, 1)) for n in ("x%1", "x_1", "xa1", "x\\1")],
        changed=[],
        reopened=[],
        closed=[],
        now=1,
    )
    assert [o.number for o in await repo.search_open("%", 10)] == ["x%1"]
    assert [o.number for o in await repo.search_open("x_", 10)] == ["x_1"]
    assert [o.number for o in await repo.search_open("\\", 10)] == ["x\\1"]
    assert len(await repo.search_open("x", 10)) == 4


def test_escape_like() -> None:
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"


@pytest.mark.asyncio
async def test_lookups_by_barcode_plate_phone_are_open_only(repo: OrderRepo) -> None:
    assert [o.number for o in await repo.open_by_barcode(" 111 ")] == ["A-100"]
    assert [o.number for o in await repo.open_by_plate("1234AB7")] == ["a-101"]
    assert [o.number for o in await repo.open_for_phone("+375291111111")] == [
        "a-101",
        "A-100",
    ]  # newest first
    assert await repo.open_by_barcode("") == []
    assert await repo.open_by_plate("") == []
    assert await repo.open_for_phone("") == []


@pytest.mark.asyncio
async def test_count_open(repo: OrderRepo) -> None:
    assert await repo.count_open() == 7


@pytest.mark.asyncio
async def test_readding_a_number_keeps_row_id_and_calendar_date(repo: OrderRepo) -> None:
    before = await repo.get_by_number("c-300")
    assert before is not None and before.is_open is False
    await repo.apply_scan(
        added=[_new("c-300", date(2030, 1, 1), barcode="999")], changed=[], reopened=[], closed=[], now=5
    )
    after = await repo.get_by_number("c-300")
    assert after is not None
    assert (after.id, after.calendar_date, after.is_open, after.barcode) == (
        before.id,
        date(2025, 2, 20),
        True,
        "999",
    )


@pytest.mark.asyncio
async def test_changed_and_reopened_rows(repo: OrderRepo) -> None:
    await repo.apply_scan(
        added=[],
        changed=[_data("b-200", phone="+375292222222", phone_raw="292222222")],
        reopened=["c-300"],
        closed=["A-100"],
        now=7,
    )
    b200 = await repo.get_by_number("b-200")
    assert b200 is not None and b200.phone == "+375292222222" and b200.data_ok and b200.problem is None
    assert (await repo.get_by_number("c-300")).is_open is True  # type: ignore[union-attr]
    assert (await repo.get_by_number("A-100")).is_open is False  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_load_fingerprints(repo: OrderRepo) -> None:
    fps = await repo.load_fingerprints()
    assert len(fps) == 8
    assert fps["c-300"].is_open is False and fps["A-100"].is_open is True
    assert (fps["b-200"].content_mtime_ns, fps["b-200"].content_size, fps["b-200"].problem) == (
        2,
        3,
        "missing",
    )


@pytest.mark.asyncio
async def test_empty_apply_scan_writes_nothing(db: Database) -> None:
    repo = OrderRepo(db)
    before = db._conn.total_changes
    await repo.apply_scan(added=[], changed=[], reopened=[], closed=[], now=1)
    assert db._conn.total_changes == before


@pytest.mark.asyncio
async def test_indexes_serve_the_handler_queries(repo: OrderRepo, db: Database) -> None:
    plans = {
        "orders_open_date": "SELECT id FROM orders WHERE is_open = 1 AND calendar_date = '2025-02-14'",
        "orders_barcode": "SELECT id FROM orders WHERE is_open = 1 AND barcode = '111'",
        "orders_plate": "SELECT id FROM orders WHERE is_open = 1 AND plate = '0434MH1'",
        "orders_phone": "SELECT id FROM orders WHERE is_open = 1 AND phone = '+375291111111'",
    }
    for index, sql in plans.items():
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql)
        assert any(index in row["detail"] for row in rows), (index, [row["detail"] for row in rows])


@pytest.mark.asyncio
async def test_open_plates_are_the_open_orders_plates(repo: OrderRepo) -> None:
    assert await repo.open_plates() == {"0434MH1", "1234AB7"}  # no empty or missing plates
    await repo.apply_scan(added=[], changed=[], reopened=[], closed=["a-101"], now=1_700_000_002)
    assert await repo.open_plates() == {"0434MH1"}
