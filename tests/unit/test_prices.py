"""Typed prices to kopecks (services.inspection.prices)."""

from __future__ import annotations

import pytest

from services.inspection.prices import format_price, parse_price


@pytest.mark.parametrize(
    ("typed", "kopecks"),
    [
        ("1200", 120_000),
        ("1 200", 120_000),
        ("1\u00a0200", 120_000),
        ("1200,50", 120_050),
        ("1200.5", 120_050),
        ("1 200 руб", 120_000),
        ("1200 руб.", 120_000),
        ("1200р", 120_000),
        ("1 200,00 ₽", 120_000),
        ("0", 0),
        ("  15 000 рублей ", 1_500_000),
    ],
)
def test_typed_prices(typed: str, kopecks: int) -> None:
    assert parse_price(typed) == kopecks


@pytest.mark.parametrize(
    "typed", ["", "abc", "-100", "12,345", "1.2.3", "100$", "1e5", "двести", "999999999999"]
)
def test_not_prices(typed: str) -> None:
    assert parse_price(typed) is None


def test_format() -> None:
    assert format_price(120_050) == "1\u00a0200,50 ₽"
    assert format_price(120_000) == "1\u00a0200 ₽"
    assert format_price(5) == "0,05 ₽"
