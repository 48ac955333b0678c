"""Every filter and handler of the bot runs in the event loop.

aiogram runs a plain function (a bare `F` magic filter, a bare `State`) through
`asyncio.to_thread`: a thread hop per check of every update. Use `handlers.filters.Match` and
`StateFilter` instead; this test names the offender.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.handler import CallableObject

from handlers import build_root_router
from tests.conftest import detach_routers


def _callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    for event, observer in router.observers.items():
        for root_filter in observer._handler.filters or []:
            yield f"{router.name} {event} router filter", root_filter
        for handler in observer.handlers:
            name = f"{router.name}.{getattr(handler.callback, '__name__', handler.callback)}"
            yield name, handler
            for check in handler.filters or []:
                yield f"{name} filter {check.callback!r}", check
    for sub in router.sub_routers:
        yield from _callables(sub)


def test_no_filter_or_handler_is_sent_to_a_thread() -> None:
    root = build_root_router()
    try:
        checked = list(_callables(root))
    finally:
        detach_routers(root)
    assert len(checked) > 50  # the walk reached the role routers
    in_threads = [name for name, item in checked if not item.awaitable]
    assert in_threads == []
