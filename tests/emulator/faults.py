"""Faults and flood control: injected failures (``fail_next``, ``fault_rate``), cut connections, 429s."""

from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import web

from .common import (
    _Fault,
    _int_or_none,
    _too_many,
)
from .state import EmulatorState


class FaultsMixin(EmulatorState):
    def fail_next(
        self,
        method: str,
        status: int | str = 500,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` (or DOWNLOAD) fail: status 400/403/429/500/502/504,
        "502html"/"504html" (nginx HTML page), "drop" (connection closed, nothing done), "drop_after"
        (done, then connection closed) or "truncate" (downloads: half the body, then closed)."""
        queue = self._faults.setdefault(method.lower(), deque())
        for _ in range(count):
            queue.append(_Fault(status, retry_after, description))

    def _pick_fault(self, low: str) -> _Fault | None:
        queue = self._faults.get(low)
        if queue:
            return queue.popleft()
        if self.fault_rate > 0 and low in self.fault_methods and self.rng.random() < self.fault_rate:
            kind = self.rng.choice(self.fault_kinds_for.get(low, self.fault_kinds))
            return _Fault(kind, None, None)
        return None

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=500)

    @staticmethod
    async def _truncated(request: web.Request, data: bytes) -> web.StreamResponse:
        """Announce the whole file, send half of it, then cut the connection."""
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        await asyncio.sleep(0.01)  # let the half reach the client before the cut
        if request.transport is not None:
            request.transport.abort()
        return response

    def _flood_check(self, low: str, params: dict, now: float) -> None:
        units = 1
        if low == "sendmediagroup" and isinstance(params.get("media"), list):
            units = max(1, len(params["media"]))
        g = self._global_hits
        while g and g[0][0] <= now - 1.0:
            self._global_units -= g.popleft()[1]
        if self._global_units + units > self.flood_global_per_sec:
            raise _too_many(g[0][0] + 1.0 - now)
        chat_id = _int_or_none(params.get("chat_id"))
        entry = None
        if chat_id is not None:
            entry = self._chat_hits.get(chat_id)
            if entry is None:
                entry = self._chat_hits[chat_id] = [deque(), 0]
            hits: deque = entry[0]
            while hits and hits[0][0] <= now - 10.0:
                entry[1] -= hits.popleft()[1]
            recent = 0
            earliest_recent = now
            for t, _u in reversed(hits):
                if t <= now - 1.0:
                    break
                recent += 1
                earliest_recent = t
            if recent + 1 > self.flood_chat_burst:
                raise _too_many(earliest_recent + 1.0 - now)
            if entry[1] + units > self.flood_chat_per_10s:
                freed = 0
                wait_until = now + 10.0
                for t, u in hits:
                    freed += u
                    if entry[1] - freed + units <= self.flood_chat_per_10s:
                        wait_until = t + 10.0
                        break
                raise _too_many(wait_until - now)
            hits.append((now, units))
            entry[1] += units
        g.append((now, units))
        self._global_units += units
