"""services.group_commit: marks made during one write go together in the next; declared failure policy."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from services.group_commit import GroupCommit


class Writes:
    """A write that records its groups; it waits on `gate` while open, and raises `failures` first."""

    def __init__(self, failures: int = 0) -> None:
        self.groups: list[list[int]] = []
        self.failures = failures
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, group: list[int]) -> None:
        await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database is locked")
        self.groups.append(list(group))


async def test_items_added_while_a_write_runs_go_together_in_the_next_one() -> None:
    writes = Writes()
    writes.gate.clear()
    marks = GroupCommit(writes, name="test")
    marks.add(1)
    await asyncio.sleep(0)  # the first write starts and waits on the gate
    for item in range(2, 12):
        marks.add(item)
    assert len(marks) == 10
    writes.gate.set()
    await marks.flush()
    assert writes.groups == [[1], list(range(2, 12))]
    assert len(marks) == 0


async def test_a_failed_group_is_logged_and_dropped_by_default(caplog: pytest.LogCaptureFixture) -> None:
    writes = Writes(failures=1)
    marks = GroupCommit(writes, name="inbox-marks")
    with caplog.at_level(logging.ERROR):
        marks.extend([1, 2])
        await marks.flush()
        marks.add(3)
        await marks.flush()
    assert writes.groups == [[3]]
    assert "inbox-marks: could not write a group of 2" in caplog.text


async def test_with_retry_a_failed_group_is_written_again_first_and_in_order() -> None:
    writes = Writes(failures=2)
    marks = GroupCommit(writes, name="sent", retry_seconds=0.01)
    marks.extend([1, 2])
    await asyncio.sleep(0)
    marks.add(3)  # joins behind the failed group
    await marks.flush()
    assert writes.groups == [[1, 2, 3]]
    assert writes.failures == 0


async def test_after_close_a_failing_group_is_tried_once_more_and_left_unwritten() -> None:
    writes = Writes(failures=100)
    marks = GroupCommit(writes, name="sent", retry_seconds=0.01)
    marks.extend([1, 2])
    await asyncio.sleep(0.03)  # a few retries meanwhile
    marks.close()
    before = writes.failures
    await marks.flush()  # returns instead of retrying for ever
    assert writes.groups == []
    assert before - writes.failures in (1, 2)  # the retry under way, at most one more
    assert len(marks) == 2  # still there: at shutdown they are redone at the next start


async def test_gather_seconds_lets_items_added_right_after_the_first_join_its_group() -> None:
    writes = Writes()
    lines = GroupCommit(writes, name="protocol", gather_seconds=0.05)
    lines.add(1)
    await asyncio.sleep(0)
    lines.add(2)  # within the gathering pause: same group
    await lines.flush()
    assert writes.groups == [[1, 2]]


async def test_a_cancelled_flush_does_not_cancel_the_write() -> None:
    writes = Writes()
    writes.gate.clear()
    marks = GroupCommit(writes, name="test")
    marks.add(1)
    waiter = asyncio.create_task(marks.flush())
    await asyncio.sleep(0)
    waiter.cancel()
    writes.gate.set()
    await marks.flush()
    assert writes.groups == [[1]]
