"""services.inspection.status_templates and statuses: the dealer's template file (parsing, checks,
reloads, fallbacks, escaping) and setting a status (once, owners told, history, listeners)."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import texts
from config_loader import DEFAULT_ORDER_STATUSES
from database.connection import Database
from database.order_statuses import StatusRepo
from database.orders import Order, OrderRepo
from database.users import Level, User, UserRepo
from services.inspection.status_templates import StatusTemplates, check_template, parse, render
from services.inspection.statuses import StatusGone, StatusService
from services.orders_flow import OrderGone
from tests.unit.fakes import FakeOutbox, FakeProtocol

VALUES = {"order": "A-1", "plate": "1111 AB-7", "status": "Готов", "organization": "Сервис <&>"}


@pytest.mark.parametrize(
    ("template", "ok"),
    [
        ("Заказ {order}, {plate}: {status} — {organization}", True),
        ("Скобки {{так}} можно", True),
        ("", False),
        ("   ", False),
        ("{oops}", False),
        ("{order.__class__}", False),
        ("{order[0]}", False),
        ("{order!r}", False),
        ("{order:>99}", False),
        ("лишняя { скобка", False),
        ("лишняя } скобка", False),
        ("{0}", False),
        ("{}", False),
    ],
)
def test_template_check(template: str, ok: bool) -> None:
    assert (check_template(template) is None) is ok


def test_render_escapes_the_template_and_the_values() -> None:
    assert (
        render("<b>{order}</b> {organization} {{x}}", VALUES)
        == "&lt;b&gt;A-1&lt;/b&gt; Сервис &lt;&amp;&gt; {x}"
    )


def test_parse_takes_sections_and_reports_broken_ones() -> None:
    text = "# comment\nstray line\n[ready]\nГотово {order}\n\nвторая строка\n[diagnosis]\n{bad}\n"
    templates, problems = parse(text)
    assert templates == {"ready": "Готово {order}\n\nвторая строка"}
    assert any("stray" in p or "before" in p for p in problems) and any("[diagnosis]" in p for p in problems)


def test_every_default_template_is_valid() -> None:
    for template in [*texts.STATUS_MESSAGE_DEFAULTS.values(), texts.STATUS_MESSAGE_FALLBACK]:
        assert check_template(template) is None


async def test_missing_file_is_created_with_defaults_and_edits_are_reloaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "status_messages.txt"
    statuses = {**DEFAULT_ORDER_STATUSES, "wash": "Мойка"}
    templates = StatusTemplates(path, statuses)
    assert "готов к выдаче" in await templates.message("ready", VALUES)
    created = path.read_text("utf-8")
    assert "[ready]" in created and "[wash]" in created  # a dealer's own status gets the fallback
    assert "статус — Готов" in await templates.message("wash", VALUES)

    path.write_text("[ready]\nНовый текст {order}\n[in_work]\n{nope}\n", encoding="utf-8")
    _bump(path)
    with caplog.at_level(logging.WARNING):
        assert await templates.message("ready", VALUES) == "Новый текст A-1"
        assert await templates.message("in_work", VALUES) == render(
            texts.STATUS_MESSAGE_DEFAULTS["in_work"], VALUES
        )
        await templates.message("in_work", VALUES)
    assert sum("[in_work]" in r.getMessage() for r in caplog.records) == 1  # once per version of the file


async def test_unreadable_file_falls_back_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "status_messages.txt"
    path.write_bytes(b"[ready]\n\xff\xfe broken")
    templates = StatusTemplates(path, DEFAULT_ORDER_STATUSES)
    assert await templates.message("ready", VALUES) == render(texts.STATUS_MESSAGE_DEFAULTS["ready"], VALUES)


def _bump(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


# --- the service --------------------------------------------------------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "bot.db")
    yield db
    await db.close()


async def _setup(db: Database, tmp_path: Path, phone: str | None = "+375291112233") -> tuple[int, User]:
    await db.write(
        "INSERT INTO orders (number, number_fold, phone, plate, calendar_date, first_seen, updated_at)"
        " VALUES ('A-1', 'a-1', ?, '1111AB7', '2026-12-01', 0, 0)",
        (phone,),
    )
    users = UserRepo(db)
    await users.register(10, "+375290000010", "Пётр", Level.EMPLOYEE)
    staff = await users.get(10)
    assert staff is not None
    order = await OrderRepo(db).get_by_number("A-1")
    assert order is not None
    return order.id, staff


def _service(db: Database, tmp_path: Path, outbox: FakeOutbox, protocol: FakeProtocol) -> StatusService:
    templates = StatusTemplates(tmp_path / "status_messages.txt", DEFAULT_ORDER_STATUSES)
    return StatusService(
        StatusRepo(db),
        OrderRepo(db),
        UserRepo(db),
        outbox,
        protocol,
        templates,
        DEFAULT_ORDER_STATUSES,
        "Сервис",
    )


async def test_a_status_is_stored_once_the_owner_told_once_and_listeners_called(
    db: Database, tmp_path: Path
) -> None:
    order_id, staff = await _setup(db, tmp_path)
    await UserRepo(db).register(20, "+375291112233", "Ольга", Level.CLIENT)
    outbox, protocol = FakeOutbox(), FakeProtocol()
    service = _service(db, tmp_path, outbox, protocol)
    heard: list[tuple[str, str, int, int]] = []

    async def listener(order: Order, key: str, who: User, row_id: int) -> None:
        heard.append((order.number, key, who.telegram_id, row_id))

    async def broken(order: Order, key: str, who: User, row_id: int) -> None:
        raise RuntimeError("listener bug")

    service.on_change(broken)
    service.on_change(listener)
    ready = list(DEFAULT_ORDER_STATUSES).index("ready")
    done = await service.set_status(staff, order_id, ready)
    assert done.changed and done.notified == 1 and done.key == "ready"
    await service.after_set(done, staff)
    again = await service.set_status(staff, order_id, ready)
    assert not again.changed and again.notified == 0 and again.row_id == done.row_id
    await service.after_set(again, staff)
    assert {(d.chat_id, d.dedup_key) for d in outbox.sent} == {(20, outbox.sent[0].dedup_key)}  # once
    assert "A-1" in outbox.sent[0].payload["text"] and "1111 AB-7" in outbox.sent[0].payload["text"]
    # after the broken one; the double tap names the same row, so a listener dedups it
    assert heard == [("A-1", "ready", 10, done.row_id)] * 2
    assert {(e.text, e.dedup_key) for e in protocol.entries} == {("статус: Готов к выдаче", "status:1")}
    history = await service.history(order_id)
    assert [(h.status, h.set_by, h.set_by_name) for h in history] == [("ready", 10, "Пётр")]


async def test_forged_index_closed_order_and_nobody_to_tell(db: Database, tmp_path: Path) -> None:
    order_id, staff = await _setup(db, tmp_path)
    outbox, protocol = FakeOutbox(), FakeProtocol()
    service = _service(db, tmp_path, outbox, protocol)
    for index in (len(DEFAULT_ORDER_STATUSES), 99, -1):
        with pytest.raises(StatusGone):
            await service.set_status(staff, order_id, index)
    done = await service.set_status(staff, order_id, 0)
    assert done.changed and done.notified == 0 and outbox.sent == []
    await db.write("UPDATE orders SET is_open = 0 WHERE id = ?", (order_id,))
    with pytest.raises(OrderGone):
        await service.set_status(staff, order_id, 1)


async def test_an_update_run_again_after_a_crash_still_tells_the_owner(db: Database, tmp_path: Path) -> None:
    """The status was committed, then the process died before the owner's message was queued: the
    update runs again (the inbox keeps it) and the message is queued under the original row's key."""
    order_id, staff = await _setup(db, tmp_path)
    await UserRepo(db).register(20, "+375291112233", "Ольга", Level.CLIENT)
    row, changed = await StatusRepo(db).set(order_id, "ready", staff.telegram_id, 1.0)  # the crashed run
    assert changed
    outbox, protocol = FakeOutbox(), FakeProtocol()
    service = _service(db, tmp_path, outbox, protocol)
    done = await service.set_status(staff, order_id, list(DEFAULT_ORDER_STATUSES).index("ready"))
    assert not done.changed
    assert [(d.chat_id, d.dedup_key) for d in outbox.sent] == [
        (20, f"status:{staff.telegram_id}:{row.id}:20")
    ]
    assert [e.dedup_key for e in protocol.entries] == [f"status:{row.id}"]
