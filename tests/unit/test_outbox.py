"""The outbox worker against a fake bot: order, retries, blocked users, batch reports, restart."""

import asyncio
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendMessage, SetMessageReaction, TelegramMethod

from database.connection import Database
from database.outbox import Batch, BatchSpec, Delivery, Method, OutboxRepo, Status
from runtime import outbox as outbox_module
from runtime.outbox import Outbox
from services.conversations.deliveries import relay_receipt, relay_report


class FakeBot:
    def __init__(self, failures: dict[int, list[Exception]] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.failures = failures or {}
        self._next_id = 1

    async def __call__(self, method: TelegramMethod[Any]) -> SimpleNamespace:
        assert isinstance(method, SendMessage), method
        queue = self.failures.get(method.chat_id)
        if queue:
            raise queue.pop(0)
        self.sent.append((method.chat_id, method.text))
        self._next_id += 1
        return SimpleNamespace(message_id=self._next_id)


def _text(chat_id: int, text: str, key: str | None = None) -> Delivery:
    return Delivery(chat_id, Method.MESSAGE, {"text": text}, dedup_key=key)


async def _drain(box: Outbox, repo: OutboxRepo) -> None:
    for _ in range(200):
        if await repo.count(Status.PENDING) == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("outbox did not drain")


@pytest.fixture
async def db(tmp_path: Path):
    database = await Database.open(tmp_path / "bot.db")
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox_module, "MAX_RETRY_DELAY", 0.05)


async def test_sends_in_order_per_chat_and_deduplicates(db: Database) -> None:
    repo, bot = OutboxRepo(db), FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await box.enqueue([_text(1, "a", "k1"), _text(2, "x"), _text(1, "b", "k2")])
    await box.enqueue([_text(1, "a", "k1")])  # the same key again: ignored
    await _drain(box, repo)
    worker.cancel()
    assert [t for c, t in bot.sent if c == 1] == ["a", "b"]
    assert (2, "x") in bot.sent and len(bot.sent) == 3


async def test_server_error_postpones_and_keeps_order(db: Database) -> None:
    error = TelegramServerError(method=SendMessage(chat_id=1, text="a"), message="Bad Gateway")
    repo, bot = OutboxRepo(db), FakeBot({1: [error, error]})
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await box.enqueue([_text(1, "first"), _text(1, "second")])
    await _drain(box, repo)
    worker.cancel()
    assert bot.sent == [(1, "first"), (1, "second")]


async def test_blocked_user_is_reported_once_the_batch_is_done(db: Database) -> None:
    blocked = TelegramForbiddenError(method=SendMessage(chat_id=7, text="a"), message="bot was blocked")
    repo, bot = OutboxRepo(db), FakeBot({7: [blocked]})
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    marked: list[int] = []
    reports: list[Batch] = []

    async def on_blocked(chat_id: int) -> None:
        marked.append(chat_id)

    def reporter(batch: Batch) -> Delivery:
        reports.append(batch)
        return _text(batch.report_to or 0, "report")

    box.on_blocked(on_blocked)
    box.add_reporter("media", reporter)
    worker = asyncio.create_task(box.run())
    await box.enqueue([_text(7, "to blocked"), _text(8, "to fine")], BatchSpec("media", report_to=99))
    await _drain(box, repo)
    worker.cancel()
    assert marked == [7]
    assert len(reports) == 1
    assert sorted(o.status for o in reports[0].outcomes) == [Status.BLOCKED, Status.SENT]
    assert (99, "report") in bot.sent


async def test_empty_batch_reports_at_once(db: Database) -> None:
    repo, bot = OutboxRepo(db), FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    box.add_reporter("media", lambda batch: _text(5, f"{len(batch.outcomes)} sent"))
    worker = asyncio.create_task(box.run())
    await box.enqueue([], BatchSpec("media", report_to=5, dedup_key="b1"))
    await _drain(box, repo)
    await asyncio.sleep(0.05)
    worker.cancel()
    assert bot.sent == [(5, "0 sent")]


async def test_pending_rows_survive_a_restart(db: Database) -> None:
    repo = OutboxRepo(db)
    await repo.add([_text(3, "left behind")])  # stored, then the process died
    bot = FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await _drain(box, repo)
    worker.cancel()
    assert bot.sent == [(3, "left behind")]


async def test_quiet_batch_reports_only_problems(db: Database) -> None:
    blocked = TelegramForbiddenError(method=SendMessage(chat_id=7, text="a"), message="bot was blocked")
    repo, bot = OutboxRepo(db), FakeBot({7: [blocked]})
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    reported: list[int] = []
    box.add_reporter("relay", lambda batch: reported.append(batch.id) or None)
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.05)
    await box.enqueue([_text(8, "fine")], BatchSpec("relay", report_to=1, only_problems=True))
    await box.enqueue([_text(7, "blocked")], BatchSpec("relay", report_to=1, only_problems=True))
    await _drain(box, repo)
    await asyncio.sleep(0.1)
    worker.cancel()
    assert len(reported) == 1  # only the batch that had a problem reached its reporter
    assert await db.fetchval("SELECT COUNT(*) FROM outbox_batches WHERE status = 'open'") == 0


async def test_quiet_batch_sends_its_success_delivery_only_when_all_went_out(db: Database) -> None:
    blocked = TelegramForbiddenError(method=SendMessage(chat_id=7, text="a"), message="bot was blocked")
    repo, bot = OutboxRepo(db), FakeBot({7: [blocked]})
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    box.add_reporter("relay", lambda batch: None)
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.05)
    ok, lost = _text(1, "дошло", "ok-1"), _text(1, "не дошло", "ok-2")
    await box.enqueue(
        [_text(8, "a"), _text(9, "b")], BatchSpec("relay", 1, only_problems=True, on_success=ok)
    )
    await box.enqueue(
        [_text(7, "c"), _text(8, "d")], BatchSpec("relay", 1, only_problems=True, on_success=lost)
    )
    await _drain(box, repo)
    await asyncio.sleep(0.1)
    worker.cancel()
    assert [text for chat, text in bot.sent if chat == 1] == ["дошло"]


async def test_sent_marks_go_in_groups_and_a_report_sees_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = TelegramForbiddenError(method=SendMessage(chat_id=7, text="a"), message="bot was blocked")
    repo, bot = OutboxRepo(db), FakeBot({7: [blocked]})
    writes: list[int] = []
    real_finish_sent = repo.finish_sent

    async def counted(marks: list) -> None:
        writes.append(len(marks))
        await real_finish_sent(marks)

    monkeypatch.setattr(repo, "finish_sent", counted)
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    reports: list[Batch] = []
    box.add_reporter("relay", lambda batch: reports.append(batch) or None)
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.05)
    await asyncio.gather(*(box.enqueue([_text(100 + i, f"m{i}")]) for i in range(100)))
    # one client blocked the bot: the report must see the other delivery of its batch as sent
    spec = BatchSpec("relay", report_to=1, only_problems=True)
    await box.enqueue([_text(8, "fine"), _text(7, "blocked")], spec)
    await _drain(box, repo)
    await box.flush()
    worker.cancel()
    assert sum(writes) == 101 and len(writes) < 50
    assert (
        await db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND message_ids != '[]'") == 101
    )
    [report] = reports
    assert sorted((o.chat_id, o.status) for o in report.outcomes) == [(7, Status.BLOCKED), (8, Status.SENT)]
    assert len(bot.sent) == 101  # nothing was sent twice while its mark waited for its group


async def test_a_failed_sent_mark_is_retried_and_nothing_goes_twice(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "MARK_RETRY_SECONDS", 0.05)
    repo, bot = OutboxRepo(db), FakeBot()
    real_finish_sent = repo.finish_sent
    failures = [sqlite3.OperationalError("database is locked")] * 2

    async def flaky(marks: list) -> None:
        if failures:
            raise failures.pop()
        await real_finish_sent(marks)

    monkeypatch.setattr(repo, "finish_sent", flaky)
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.05)
    await box.enqueue([_text(1, "a"), _text(2, "b")])
    for _ in range(3):  # stored rows are read again meanwhile: the unmarked ones are not re-sent
        await asyncio.sleep(0.03)
        box._wake.set()
    await _drain(box, repo)
    worker.cancel()
    assert sorted(bot.sent) == [(1, "a"), (2, "b")]
    assert not failures


async def test_one_senders_flood_does_not_hold_back_another_sender(db: Database) -> None:
    """Forty messages from client 7 and then one from client 8, all to employee 1: 8's goes second."""
    repo = OutboxRepo(db)
    flood = [_text(1, f"A{i}", f"cm:7:{100 + i}:1:0") for i in range(40)]
    await Outbox(repo, FakeBot()).enqueue([*flood, _text(1, "B", "cm:8:5:1:0")])  # stored, not yet sent
    gate = asyncio.Event()

    class GatedBot(FakeBot):
        async def __call__(self, method: TelegramMethod[Any]) -> SimpleNamespace:
            await gate.wait()
            return await super().__call__(method)

    bot = GatedBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.1)  # the stored rows are queued; the first send waits at the gate
    await box.enqueue([_text(1, "C", "cm:9:6:1:0")])  # a third client, live
    gate.set()
    await _drain(box, repo)
    worker.cancel()
    texts = [text for _, text in bot.sent]
    assert texts[:3] == ["A0", "B", "C"]  # turns: 7, 8, 9, then 7's others
    assert texts[3:] == [f"A{i}" for i in range(1, 40)]  # each sender's own stay in order


async def test_a_share_file_that_vanished_fails_its_row_and_the_chat_goes_on(db: Database) -> None:
    repo, bot = OutboxRepo(db), FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]

    async def convert(args: dict[str, Any]) -> dict[str, Any]:
        if args.get("text") == "gone":
            raise FileNotFoundError("A-1/Other/act.pdf")
        return args

    box.convert_payloads(convert)
    worker = asyncio.create_task(box.run())
    await box.enqueue([_text(1, "gone", "k1"), _text(1, "after", "k2")])
    await _drain(box, repo)
    worker.cancel()
    assert bot.sent == [(1, "after")]
    rows = await db.fetchall("SELECT dedup_key, status FROM outbox ORDER BY id")
    assert [(row[0], row[1]) for row in rows] == [("k1", "failed"), ("k2", "sent")]


@pytest.fixture
def no_idle_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop's idle re-read is an hour away: a retry happens at its own time or not at all."""
    monkeypatch.setattr(outbox_module, "IDLE_RECHECK_SECONDS", 3600.0)


async def _until(found: Any, attempts: int = 250) -> None:
    for _ in range(attempts):
        if found():
            return
        await asyncio.sleep(0.02)


async def test_a_retry_due_soon_is_not_hidden_behind_a_long_held_backlog(
    db: Database, no_idle_recheck: None
) -> None:
    """Six hundred rows of a chat held for an hour come first by id; another chat's retry is due now."""
    repo = OutboxRepo(db)
    _, backlog = await repo.add([_text(3, f"b{i}") for i in range(600)])
    await repo.postpone(backlog[0].id, 3600, "429")  # the rest of chat 3 waits behind its first row
    _, [soon] = await repo.add([_text(1, "soon")])
    await repo.postpone(soon.id, 0.05, "502")
    bot = FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await _until(lambda: bot.sent)
    worker.cancel()
    assert bot.sent == [(1, "soon")]


async def test_a_row_postponed_while_stored_rows_are_read_keeps_its_time_and_its_place(
    db: Database, no_idle_recheck: None
) -> None:
    """The loop reads the stored rows; meanwhile chat 1's send fails and its sender ends in the very
    tick the read returns, while chat 2's sender is still busy. Chat 1's retry
    must still come at its own time, and a message queued after it must wait behind it."""
    repo = OutboxRepo(db)
    reading, read_may_end, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    real_pending, real_postpone = repo.pending, repo.postpone
    armed = False

    async def gated_pending(*args: Any, **kwargs: Any) -> Any:
        rows = await real_pending(*args, **kwargs)
        if armed:
            reading.set()
            await read_may_end.wait()
        return rows

    async def postpone(item_id: int, delay: float, error: str) -> None:
        await real_postpone(item_id, delay, error)
        read_may_end.set()  # the read returns in the same tick as chat 1's sender ends

    repo.pending, repo.postpone = gated_pending, postpone  # type: ignore[method-assign]
    bad_gateway = TelegramServerError(method=SendMessage(chat_id=1, text="a"), message="Bad Gateway")

    class Bot(FakeBot):
        async def __call__(self, method: TelegramMethod[Any]) -> SimpleNamespace:
            if method.chat_id == 2:  # a sender that stays busy: no "every sender is done" wake-up
                await stop.wait()
            return await super().__call__(method)

    bot = Bot({1: [bad_gateway]})
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await asyncio.sleep(0.05)
    armed = True
    box._wake.set()  # as after a crash or a full page: the loop reads the stored rows
    await asyncio.wait_for(reading.wait(), 10)
    await box.enqueue([_text(2, "x"), _text(1, "a"), _text(1, "b")])
    await asyncio.wait_for(read_may_end.wait(), 10)
    for _ in range(5):
        await asyncio.sleep(0)
    await box.enqueue([_text(1, "c")])
    await _until(lambda: len([t for c, t in bot.sent if c == 1]) == 3)
    stop.set()
    worker.cancel()
    assert [text for chat, text in bot.sent if chat == 1] == ["a", "b", "c"]


class ReactingBot(FakeBot):
    """Also takes reactions; `hold` keeps them waiting, `fail` makes the next ones fail."""

    def __init__(self, fail: list[Exception] | None = None) -> None:
        super().__init__()
        self.reactions: list[tuple[int, int]] = []
        self.fail = fail or []
        self.hold = asyncio.Event()
        self.hold.set()

    async def __call__(self, method: TelegramMethod[Any]) -> Any:
        if not isinstance(method, SetMessageReaction):
            return await super().__call__(method)
        await self.hold.wait()
        if self.fail:
            raise self.fail.pop(0)
        self.reactions.append((method.chat_id, method.message_id))
        return True


def _relay(client: int, employee: int, message_id: int) -> tuple[list[Delivery], BatchSpec]:
    key = f"rl:{employee}:{message_id}"
    spec = BatchSpec(
        "relay",
        employee,
        {"order": "A-1", "react_to": message_id},
        dedup_key=key,
        only_problems=True,
        on_success=relay_receipt(employee, message_id),
    )
    return [_text(client, f"text {message_id}", f"{key}:{client}:0")], spec


async def _reported(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT status FROM outbox_batches ORDER BY id")
    return [row[0] for row in rows]


async def test_a_relay_receipt_goes_without_a_row_and_its_batch_is_reported_after_it(db: Database) -> None:
    repo, bot = OutboxRepo(db), ReactingBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    box.add_reporter("relay", relay_report)
    worker = asyncio.create_task(box.run())
    await box.enqueue(*_relay(5, 1, 10))
    await _until(lambda: bot.reactions)
    await box.flush()
    worker.cancel()
    assert bot.sent == [(5, "text 10")] and bot.reactions == [(1, 10)]
    assert await db.fetchval("SELECT COUNT(*) FROM outbox WHERE method = 'reaction'") == 0
    assert await _reported(db) == ["reported"]


async def test_a_receipt_not_yet_out_at_a_crash_is_sent_after_the_restart(db: Database) -> None:
    repo, bot = OutboxRepo(db), ReactingBot()
    bot.hold.clear()  # the reaction is under way when the process dies
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    box.add_reporter("relay", relay_report)
    worker = asyncio.create_task(box.run())
    await box.enqueue(*_relay(5, 1, 11))
    await _until(lambda: bot.sent)
    await box.flush()
    worker.cancel()
    assert await _reported(db) == ["open"]  # nothing says the receipt went: the batch is reported again

    after = ReactingBot()
    box = Outbox(repo, after)  # type: ignore[arg-type]
    box.add_reporter("relay", relay_report)
    worker = asyncio.create_task(box.run())
    await _until(lambda: after.reactions)
    await box.flush()
    worker.cancel()
    assert after.sent == [] and after.reactions == [(1, 11)]  # the text is not sent twice
    assert await _reported(db) == ["reported"]


async def test_a_receipt_that_must_be_retried_gets_a_row_and_goes_later(db: Database) -> None:
    flood = TelegramRetryAfter(method=SendMessage(chat_id=1, text="a"), message="Too Many", retry_after=0)
    repo, bot = OutboxRepo(db), ReactingBot([flood])
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    box.add_reporter("relay", relay_report)
    worker = asyncio.create_task(box.run())
    await box.enqueue(*_relay(5, 1, 12))
    await _until(lambda: bot.reactions)
    await _drain(box, repo)
    await box.flush()
    worker.cancel()
    assert bot.reactions == [(1, 12)]
    assert await db.fetchval("SELECT status FROM outbox WHERE method = 'reaction'") == "sent"
    assert await _reported(db) == ["reported"]


async def test_a_backlog_beyond_one_read_is_all_sent(db: Database, no_idle_recheck: None) -> None:
    """Rows left by an earlier run fill more than one read (500): the rest is read once the first
    page is out, without waiting for the idle re-read."""
    repo = OutboxRepo(db)
    await repo.add([_text(chat, f"m{n}") for n in range(120) for chat in range(1, 7)])  # 720 rows
    bot = FakeBot()
    box = Outbox(repo, bot)  # type: ignore[arg-type]
    worker = asyncio.create_task(box.run())
    await _until(lambda: len(bot.sent) == 720, attempts=1000)
    worker.cancel()
    assert len(bot.sent) == 720
    assert [t for c, t in bot.sent if c == 3] == [f"m{n}" for n in range(120)]
