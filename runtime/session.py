"""The one path of every outgoing Telegram call: flood control and retries live here.

Telegram allows about 30 messages per second overall and about one per second in one chat
(short bursts pass; an album counts as its items). Calls that put something into a chat wait
for a slot in the token buckets; a 429 pauses that chat for `retry_after`; 5xx answers and
network errors are retried with exponential backoff, so a hiccup delays a message instead of
losing it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendChatAction, SendMediaGroup, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)

CHAT_BURST = 2
CHAT_UNITS = 8
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 30.0
IDLE_BUCKET_SECONDS = 120.0


@dataclass(slots=True)
class TokenBucket:
    """Reservation-based bucket: tokens may go negative, the caller sleeps the returned delay."""

    rate: float
    capacity: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def reserve(self, cost: float) -> float:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= cost
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def pause(self, seconds: float) -> None:
        self.reserve(0)
        self.tokens = min(self.tokens, -seconds * self.rate)

    def idle(self, now: float) -> bool:
        return now - self.stamp > IDLE_BUCKET_SECONDS and self.tokens >= 0


class RateLimiter:
    """Token buckets sized so that no window ever exceeds Telegram's limits; a rate of 0 turns one off.

    Globally at most `global_rate` units in any second: a bucket of 0.2 × rate refilled at 0.8 × rate.
    Per chat, two buckets: requests (2 in reserve, `chat_rate` per second: at most 3 in any second)
    and units (an album of 10 counts 10; 8 in reserve, then `chat_rate` per second: at most 18 in
    any ten seconds, under Telegram's 20).
    """

    def __init__(self, global_rate: float, chat_rate: float) -> None:
        self._global = (
            TokenBucket(global_rate * 0.8, max(1.0, global_rate * 0.2)) if global_rate > 0 else None
        )
        self._chat_rate = chat_rate
        self._chats: dict[int | str, tuple[TokenBucket, TokenBucket]] = {}
        self._last_prune = time.monotonic()

    async def acquire(self, chat_id: int | str, cost: int) -> None:
        # The chat's slot first, then the global one, so that waiting on a busy chat never
        # lets a burst of global reservations fire at the same instant.
        if self._chat_rate > 0:
            requests, units = self._chat(chat_id)
            await _sleep(max(requests.reserve(1), units.reserve(cost)))
        if self._global is not None:
            await _sleep(self._global.reserve(cost))

    def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        if self._chat_rate > 0:
            for bucket in self._chat(chat_id):
                bucket.pause(seconds)

    def _chat(self, chat_id: int | str) -> tuple[TokenBucket, TokenBucket]:
        buckets = self._chats.get(chat_id)
        if buckets is None:
            self._prune()
            buckets = (TokenBucket(self._chat_rate, CHAT_BURST), TokenBucket(self._chat_rate, CHAT_UNITS))
            self._chats[chat_id] = buckets
        return buckets

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < IDLE_BUCKET_SECONDS:
            return
        self._last_prune = now
        for chat_id in [key for key, pair in self._chats.items() if all(b.idle(now) for b in pair)]:
            del self._chats[chat_id]


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


def _chat_of(method: TelegramMethod[TelegramType]) -> int | str | None:
    if isinstance(method, SendChatAction):
        return None
    return getattr(method, "chat_id", None)


def backoff_delay(attempt: int) -> float:
    """0.5 s, 1 s, 2 s ... capped, with jitter so many failed calls do not return in step."""
    return min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


class OutgoingCalls(BaseRequestMiddleware):
    """Session middleware: `bot.session.middleware(OutgoingCalls(limiter))`."""

    def __init__(self, limiter: RateLimiter, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._limiter = limiter
        self._max_attempts = max_attempts
        # aiogram parses every answer with Response[<type>]; pydantic caches that class weakly, so
        # without a strong reference the garbage collector drops it and it is rebuilt (~1 ms a call).
        self._response_models: dict[Any, type] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_models:
            self._response_models[returning] = Response[returning]  # type: ignore[valid-type]
        if isinstance(method, GetUpdates):  # the polling loop has its own retry policy
            return await make_request(bot, method)
        chat_id = _chat_of(method)
        cost = len(method.media) if isinstance(method, SendMediaGroup) else 1
        attempt = 0
        while True:
            attempt += 1
            if chat_id is not None:
                await self._limiter.acquire(chat_id, cost)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt >= self._max_attempts:
                    raise
                name = method.__api_method__
                log.warning("429 on %s (chat %s): waiting %s s", name, chat_id, exc.retry_after)
                if chat_id is not None:
                    self._limiter.pause_chat(chat_id, exc.retry_after)
                else:
                    await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt >= self._max_attempts:
                    raise
                delay = backoff_delay(attempt)
                name = method.__api_method__
                log.warning("%s failed (%s), attempt %d; retrying in %.1f s", name, exc, attempt, delay)
                await asyncio.sleep(delay)
            except TelegramBadRequest as exc:
                if isinstance(method, AnswerCallbackQuery):
                    # An expired query (e.g. replayed after a restart) must not abort its handler.
                    log.info("Callback answer not accepted: %s", exc.message)
                    return True  # type: ignore[return-value]
                raise
