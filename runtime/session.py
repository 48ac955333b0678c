"""The one path of every outgoing Telegram call: flood control and retries live here.

Telegram allows about 30 messages per second overall and about one per second in one chat
(short bursts pass; an album counts as its items). Calls that put something into a chat wait
for a slot in sliding windows of those shapes; a 429 pauses that chat for `retry_after`; 5xx
answers, a proxy's HTML error page (a body that is not JSON) and network errors are retried with
exponential backoff, so a hiccup delays a message instead of losing it.

One owner of retries per call: this middleware retries every call except those whose caller keeps
its own durable retry schedule (getUpdates: the polling loop; every outbox call, sends and reactions,
marked `CallerRetries`: the outbox postpones the row in SQLite). What still fails after the last
attempt is raised; `is_transient()` tells the polling loop to keep the update in the inbox and run
the whole update again later (a rerun of the handler, which is idempotent, not of this call).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    GetUpdates,
    SendChatAction,
    SendMediaGroup,
    SetMessageReaction,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from pydantic import ValidationError

log = logging.getLogger(__name__)

CHAT_BURST = 3  # messages in any one second of one chat
# Windows are judged when a request leaves, Telegram judges them when it arrives; a little longer
# windows absorb the difference in transit times, so a burst never lands inside Telegram's second.
TRANSIT_SLACK_SECONDS = 0.15
MAX_ATTEMPTS = 8
MAX_BACKOFF_SECONDS = 30.0
IDLE_SECONDS = 120.0


@dataclass(slots=True)
class Window:
    """At most `limit` units in any `seconds`-long window, judged from what was really sent."""

    limit: float
    seconds: float
    log: deque[tuple[float, float]] = field(default_factory=deque)
    used: float = 0.0

    def wait(self, now: float, units: float) -> float:
        """Seconds until `units` more fit (0: now)."""
        self._expire(now)
        excess = self.used + units - self.limit
        if excess <= 0 or not self.log:
            return 0.0
        for stamp, cost in self.log:  # the oldest leave first
            excess -= cost
            if excess <= 0:
                return stamp + self.seconds - now
        return self.seconds

    def book(self, now: float, units: float) -> None:
        self.log.append((now, units))
        self.used += units

    def _expire(self, now: float) -> None:
        while self.log and self.log[0][0] <= now - self.seconds:
            self.used -= self.log.popleft()[1]

    def idle(self, now: float) -> bool:
        return not self.log or self.log[-1][0] < now - IDLE_SECONDS


@dataclass(slots=True)
class ChatLimits:
    burst: Window
    sustained: Window
    paused_until: float = 0.0


class RateLimiter:
    """Sliding windows shaped like Telegram's limits; a rate of 0 turns that limit off.

    Globally at most `global_rate` - 1 units in any second (one is kept in hand because requests
    reach Telegram a little after they leave). Per chat at most 3 messages in any second and
    10 × `chat_rate` units in any ten seconds: about `chat_rate` a second, short bursts allowed.
    An album of 10 counts 10 units. A caller waits until every window has room, then books its
    units in all of them at once, so concurrent callers can never overbook a window.
    """

    def __init__(self, global_rate: float, chat_rate: float) -> None:
        self._global = Window(max(1.0, global_rate - 1), 1.0) if global_rate > 0 else None
        self._chat_rate = chat_rate
        self._chats: dict[int | str, ChatLimits] = {}
        self._last_prune = time.monotonic()

    async def acquire(self, chat_id: int | str, units: int, per_chat: bool = True) -> None:
        """`per_chat=False`: the call puts no message into the chat (a reaction): it neither waits for
        nor uses the chat's windows, only its pause after a 429 and the global window."""
        chat = self._chat(chat_id)
        while True:
            now = time.monotonic()
            delay = self._delay(chat, now, units, per_chat)
            if delay <= 0:
                break
            await asyncio.sleep(delay)
        if chat is not None and per_chat:
            chat.burst.book(now, 1)
            chat.sustained.book(now, units)
        if self._global is not None:
            self._global.book(now, units)

    def _delay(self, chat: ChatLimits | None, now: float, units: int, per_chat: bool) -> float:
        delays = [self._global.wait(now, units)] if self._global is not None else [0.0]
        if chat is not None:
            delays.append(chat.paused_until - now)
            if per_chat:
                delays += [chat.burst.wait(now, 1), chat.sustained.wait(now, units)]
        return max(delays)

    def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        """After a 429: nothing more to that chat for `seconds`."""
        chat = self._chat(chat_id)
        if chat is not None:
            chat.paused_until = max(chat.paused_until, time.monotonic() + seconds)

    def _chat(self, chat_id: int | str) -> ChatLimits | None:
        if self._chat_rate <= 0:
            return None
        chat = self._chats.get(chat_id)
        if chat is None:
            self._prune()
            burst = Window(CHAT_BURST, 1.0 + TRANSIT_SLACK_SECONDS)
            sustained = Window(max(1.0, 10 * self._chat_rate), 10.0 + TRANSIT_SLACK_SECONDS)
            chat = ChatLimits(burst, sustained)
            self._chats[chat_id] = chat
        return chat

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < IDLE_SECONDS:
            return
        self._last_prune = now
        idle = [key for key, chat in self._chats.items() if chat.burst.idle(now) and chat.sustained.idle(now)]
        for chat_id in idle:
            del self._chats[chat_id]


class CallerRetries:
    """Mixin for a method whose caller retries it durably: the session makes one attempt only."""


class TransientFailure(Exception):
    """Something outside the bot failed for now (Telegram, a proxy, the network): try again later.

    Raised where a non-aiogram error must say "transient" (a file download); never carries a URL.
    """


def is_transient(exc: BaseException) -> bool:
    """Will the same call, made again later, probably succeed? 429, 5xx, HTML pages, cut connections."""
    if isinstance(exc, TransientFailure | TelegramRetryAfter | TelegramServerError | TelegramNetworkError):
        return True
    # A body that is not JSON at all is a proxy's error page or a cut answer; JSON of the wrong shape
    # (ValidationError) is a bug on one side and would fail again.
    return isinstance(exc, ClientDecodeError) and not isinstance(exc.original, ValidationError)


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
        # A caller with a durable retry schedule gets one attempt (flood control still applies).
        max_attempts = 1 if isinstance(method, CallerRetries) else self._max_attempts
        chat_id = _chat_of(method)
        cost = len(method.media) if isinstance(method, SendMediaGroup) else 1
        # A reaction (the relay's 👍 receipt) adds no message to the chat: it must not take the place
        # of a message in the chat's per-second window, nor wait behind the employee's own flood.
        per_chat = not isinstance(method, SetMessageReaction)
        attempt = 0
        while True:
            attempt += 1
            if chat_id is not None:
                await self._limiter.acquire(chat_id, cost, per_chat)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if chat_id is not None:
                    self._limiter.pause_chat(chat_id, exc.retry_after)
                if attempt >= max_attempts:
                    raise
                name = method.__api_method__
                log.warning("429 on %s (chat %s): waiting %s s", name, chat_id, exc.retry_after)
                if chat_id is None:
                    await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as exc:
                if attempt >= max_attempts or not is_transient(exc):
                    raise
                delay = backoff_delay(attempt)
                name, why = method.__api_method__, short_reason(exc)
                log.warning("%s failed (%s), attempt %d; retrying in %.1f s", name, why, attempt, delay)
                await asyncio.sleep(delay)
            except TelegramBadRequest as exc:
                if isinstance(method, AnswerCallbackQuery):
                    # An expired query (e.g. replayed after a restart) must not abort its handler.
                    log.info("Callback answer not accepted: %s", exc.message)
                    return True  # type: ignore[return-value]
                raise


def short_reason(exc: BaseException) -> str:
    """One line for the log: an HTML error page is reduced to its kind, not pasted whole."""
    if isinstance(exc, ClientDecodeError):
        return "answer is not JSON (a proxy's error page or a cut connection)"
    return str(exc)
