"""Flood control and retries of the one outgoing path, against a fake transport."""

import asyncio
import json
import time

import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, SendMessage, SetMessageReaction
from aiogram.types import ReactionTypeEmoji
from pydantic import ValidationError

from runtime import session as session_module
from runtime.outbox_calls import Receipt, SendMessageReceipt
from runtime.session import TRANSIT_SLACK_SECONDS, OutgoingCalls, RateLimiter, is_transient


def _busiest(stamps: list[tuple[float, int]], seconds: float) -> int:
    return max(sum(u for t, u in stamps if start <= t < start + seconds) for start, _ in stamps)


async def test_no_second_ever_holds_more_than_the_global_limit() -> None:
    limiter = RateLimiter(global_rate=30, chat_rate=0)
    stamps = []
    for chat in range(60):
        await limiter.acquire(chat, 1)
        stamps.append((time.monotonic(), 1))
    assert 25 <= _busiest(stamps, 1.0) <= 29


async def test_albums_do_not_overflow_the_global_window() -> None:
    """Three albums of 10 and a text at once: lumps must not push one second over the limit."""
    limiter = RateLimiter(global_rate=30, chat_rate=0)
    stamps: list[tuple[float, int]] = []

    async def send(chat: int, units: int) -> None:
        await limiter.acquire(chat, units)
        stamps.append((time.monotonic(), units))

    await asyncio.gather(send(1, 10), send(2, 10), send(3, 10), send(4, 1), send(5, 10))
    assert _busiest(stamps, 1.0) <= 29


async def test_a_chat_gets_a_short_burst_then_its_rate() -> None:
    limiter = RateLimiter(global_rate=0, chat_rate=1)
    stamps = []
    started = time.monotonic()
    for _ in range(4):
        await limiter.acquire(1, 1)
        stamps.append((time.monotonic(), 1))
    assert stamps[2][0] - started < 0.1  # three at once
    # the fourth waits for the 1-second window plus the slack for transit times
    assert stamps[3][0] - started == pytest.approx(1.0 + TRANSIT_SLACK_SECONDS, abs=0.1)
    assert _busiest(stamps, 1.0 + TRANSIT_SLACK_SECONDS) <= 3


async def test_a_429_pauses_only_that_chat() -> None:
    limiter = RateLimiter(global_rate=0, chat_rate=1)
    limiter.pause_chat(1, 0.5)
    started = time.monotonic()
    await limiter.acquire(2, 1)
    assert time.monotonic() - started < 0.05
    await limiter.acquire(1, 1)
    assert time.monotonic() - started == pytest.approx(0.5, abs=0.1)


async def test_zero_rates_turn_limits_off() -> None:
    limiter = RateLimiter(global_rate=0, chat_rate=0)
    started = time.monotonic()
    for _ in range(1000):
        await limiter.acquire(1, 1)
    assert time.monotonic() - started < 0.2


class Transport:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def __call__(self, bot: object, method: object) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_module, "backoff_delay", lambda attempt: 0.0)


async def test_429_is_retried_after_the_requested_pause() -> None:
    method = SendMessage(chat_id=1, text="x")
    transport = Transport([TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)])
    middleware = OutgoingCalls(RateLimiter(0, 1.0))
    started = time.monotonic()
    assert await middleware(transport, None, method) == "ok"  # type: ignore[arg-type]
    assert transport.calls == 2
    assert time.monotonic() - started >= 0.9


async def test_network_errors_are_retried_then_given_up() -> None:
    method = SendMessage(chat_id=1, text="x")
    errors = [TelegramNetworkError(method=method, message="reset") for _ in range(10)]
    transport = Transport(errors)
    with pytest.raises(TelegramNetworkError):
        await OutgoingCalls(RateLimiter(0, 0), max_attempts=4)(transport, None, method)  # type: ignore[arg-type]
    assert transport.calls == 4


async def test_bad_request_is_not_retried_but_expired_callback_answer_is_harmless() -> None:
    send = SendMessage(chat_id=1, text="<b")
    transport = Transport([TelegramBadRequest(method=send, message="can't parse entities")])
    with pytest.raises(TelegramBadRequest):
        await OutgoingCalls(RateLimiter(0, 0))(transport, None, send)  # type: ignore[arg-type]
    assert transport.calls == 1
    answer = AnswerCallbackQuery(callback_query_id="1")
    transport = Transport([TelegramBadRequest(method=answer, message="query is too old")])
    assert await OutgoingCalls(RateLimiter(0, 0))(transport, None, answer) is True  # type: ignore[arg-type]


def _html_page_error() -> ClientDecodeError:
    page = "<html><head><title>502 Bad Gateway</title></head></html>"
    try:
        json.loads(page)
    except ValueError as exc:
        return ClientDecodeError("Failed to decode object", exc, page)
    raise AssertionError("unreachable")


async def test_a_proxy_html_page_is_transient_and_retried() -> None:
    method = SendMessage(chat_id=1, text="x")
    transport = Transport([_html_page_error(), _html_page_error()])
    assert await OutgoingCalls(RateLimiter(0, 0))(transport, None, method) == "ok"  # type: ignore[arg-type]
    assert transport.calls == 3
    assert is_transient(_html_page_error())


async def test_an_answer_of_the_wrong_shape_is_not_retried() -> None:
    method = SendMessage(chat_id=1, text="x")
    try:
        Receipt.model_validate({"id": 1})
    except ValidationError as exc:
        wrong_shape = ClientDecodeError("Failed to deserialize object", exc, {"id": 1})
    transport = Transport([wrong_shape])
    with pytest.raises(ClientDecodeError):
        await OutgoingCalls(RateLimiter(0, 0))(transport, None, method)  # type: ignore[arg-type]
    assert transport.calls == 1
    assert not is_transient(wrong_shape)


async def test_a_call_whose_caller_retries_gets_one_attempt_and_still_pauses_the_chat() -> None:
    method = SendMessageReceipt(chat_id=1, text="x")
    transport = Transport([TelegramServerError(method=method, message="Bad Gateway")])
    with pytest.raises(TelegramServerError):
        await OutgoingCalls(RateLimiter(0, 0))(transport, None, method)  # type: ignore[arg-type]
    assert transport.calls == 1
    limiter = RateLimiter(0, 1.0)
    transport = Transport([TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)])
    with pytest.raises(TelegramRetryAfter):
        await OutgoingCalls(limiter)(transport, None, method)  # type: ignore[arg-type]
    started = time.monotonic()
    await limiter.acquire(1, 1)  # the 429 paused the chat for everyone
    assert time.monotonic() - started >= 0.9


async def _ticks(count: int = 5) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_reaction_neither_waits_for_nor_fills_the_chats_window_but_keeps_its_pause() -> None:
    """The relay's 👍 adds no message to the employee's chat: after three messages fill that chat's
    second it goes at once, and it takes no message's place; a 429 pause of the chat still holds it."""
    limiter = RateLimiter(0, 1.0)
    calls, transport = OutgoingCalls(limiter), Transport([])
    thumb = SetMessageReaction(chat_id=1, message_id=5, reaction=[ReactionTypeEmoji(emoji="👍")])
    for _ in range(2):
        await calls(transport, None, SendMessage(chat_id=1, text="a"))  # type: ignore[arg-type]
    reactions = asyncio.gather(*(calls(transport, None, thumb) for _ in range(3)))  # type: ignore[arg-type]
    await _ticks()
    assert reactions.done()
    third = asyncio.ensure_future(calls(transport, None, SendMessage(chat_id=1, text="b")))  # type: ignore[arg-type]
    await _ticks()
    assert third.done()  # the burst of three messages still had room for it
    limiter.pause_chat(1, 60)
    paused = asyncio.ensure_future(calls(transport, None, thumb))  # type: ignore[arg-type]
    await _ticks()
    assert not paused.done()
    paused.cancel()
