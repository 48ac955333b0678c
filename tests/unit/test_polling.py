"""The chat scheduler runs a transiently failed update again, still ahead of its chat's later ones."""

import asyncio

import pytest
from aiogram.types import Update

from runtime import polling
from runtime.polling import ChatScheduler


def _update(update_id: int, chat_id: int) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "x"},
                "text": str(update_id),
            },
        }
    )


async def test_a_transient_failure_is_run_again_in_chat_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "retry_delay", lambda failures: 0.01)
    handled: list[int] = []
    failures = {1: 2}  # update 1 fails twice for a transient reason

    async def handle(batch: list[Update]) -> bool:
        update_id = batch[0].update_id
        if failures.get(update_id, 0) > 0:
            failures[update_id] -= 1
            return False
        handled.append(update_id)
        return True

    scheduler = ChatScheduler(handle)
    for update_id, chat in ((1, 10), (2, 10), (3, 20)):
        scheduler.submit(_update(update_id, chat))
    await scheduler.drain(timeout=5)
    assert handled.index(1) < handled.index(2)  # chat 10 waited behind its failed update
    assert sorted(handled) == [1, 2, 3] and failures[1] == 0


async def test_a_chat_waiting_for_a_retry_does_not_hold_a_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling, "MAX_CONCURRENT_UPDATES", 1)
    monkeypatch.setattr(polling, "retry_delay", lambda failures: 0.3)
    handled: list[int] = []
    first = asyncio.Event()

    async def handle(batch: list[Update]) -> bool:
        update_id = batch[0].update_id
        if update_id == 1 and not first.is_set():
            first.set()
            return False
        handled.append(update_id)
        return True

    scheduler = ChatScheduler(handle)
    scheduler.submit(_update(1, 10))
    scheduler.submit(_update(2, 20))
    await scheduler.drain(timeout=5)
    assert handled == [2, 1]  # chat 20 went on while chat 10 waited for its retry


async def test_an_update_failing_for_too_long_is_set_aside_and_the_chat_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(polling, "retry_delay", lambda failures: 0.0)
    monkeypatch.setattr(polling, "MAX_UPDATE_ATTEMPTS", 3)
    calls: list[int] = []

    async def handle(batch: list[Update]) -> bool:
        calls.append(batch[0].update_id)
        return batch[0].update_id != 1  # update 1 never succeeds

    scheduler = ChatScheduler(handle)
    scheduler.submit(_update(1, 10))
    scheduler.submit(_update(2, 10))
    await scheduler.drain(timeout=5)
    assert calls == [1, 1, 1, 2]
