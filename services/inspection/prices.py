"""Prices as people type them ("1 200", "1200,50", "1 200 руб.") to kopecks, and back for display."""

from __future__ import annotations

import re

MAX_PRICE = 100_000_000 * 100  # a hundred million roubles: anything above is a typo

_CURRENCY = re.compile(r"(?:руб(?:лей|ля|ль)?\.?|р\.?|₽|rub)$", re.IGNORECASE)
_NUMBER = re.compile(r"(\d+)(?:[.,](\d{1,2}))?")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")  # thousands may be split by (narrow) spaces or apostrophes


def parse_price(text: str) -> int | None:
    """Kopecks of a typed price, None when it is not one (negative, letters, three decimals...)."""
    raw = _SPACES.sub("", text or "").strip()
    raw = _CURRENCY.sub("", raw).rstrip(".")
    match = _NUMBER.fullmatch(raw)
    if match is None:
        return None
    roubles, kopecks = match.group(1), (match.group(2) or "0").ljust(2, "0")
    value = int(roubles) * 100 + int(kopecks)
    return value if value <= MAX_PRICE else None


def format_price(kopecks: int) -> str:
    """`120050` -> "1 200,50 ₽", `120000` -> "1 200 ₽" (a no-break space between thousands)."""
    roubles, rest = divmod(kopecks, 100)
    whole = f"{roubles:,}".replace(",", "\u00a0")
    return f"{whole},{rest:02d} ₽" if rest else f"{whole} ₽"
