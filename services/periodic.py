"""Background rounds (order scan, folder watch, health): one loop, one error policy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def every(
    interval: float, work: Callable[[], Awaitable[object]], log: logging.Logger, failure: str, *args: object
) -> None:
    """Run ``work`` now and then every ``interval`` seconds until cancelled. A failed round is logged
    on ``log`` (``failure % args``, with the traceback) and the next one comes as usual: a background
    job must outlive one bad round."""
    while True:
        try:
            await work()
        except Exception:
            log.exception(failure, *args)
        await asyncio.sleep(interval)
