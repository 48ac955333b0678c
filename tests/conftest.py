"""Shared pytest hooks: remember each phase's report on the item so fixtures can see test failures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiogram import Router

# The dealer's sample order folders, kept in the repository (tests/fixtures/README.md says what each shows).
ORDERS_FIXTURE = Path(
    os.environ.get("ORDER_FIXTURES", Path(__file__).resolve().parent / "fixtures" / "orders")
)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def phase_failed(item: pytest.Item) -> bool:
    """True if the setup or call phase of ``item`` failed (usable from fixture teardown)."""
    return any(getattr(getattr(item, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


def detach_routers(router: Router) -> None:
    """handlers' routers are module-level and aiogram attaches a router once: after a test that built
    the root router (or a dispatcher), free them, or the next build in this process fails."""
    for sub in router.sub_routers:
        detach_routers(sub)
        sub._parent_router = None
    router.sub_routers.clear()
