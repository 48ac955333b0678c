"""The one rule for telling whether two phone numbers belong to the same person.

Dealers type phones in content.txt by hand and Telegram sends them in international form, so
every phone is reduced to `+<country code><number>` before it is stored or compared:

- only digits count: spaces, dashes, brackets and a leading `+` are dropped;
- Belarus is the home country: 9 local digits (`296112233`) get `375` in front, and the
  domestic long-distance form `8 0XX ...` (`8 (029) 611-22-33`) becomes `375 XX ...`;
- the Russian domestic form `8 9XX ...` (11 digits starting with 8) becomes `7 9XX ...`;
- anything else with 10 to 15 digits is taken as already international.
"""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D+")
HOME_COUNTRY_CODE = "375"


def normalize_phone(raw: str | None) -> str | None:
    """Return `+<digits>` in international form, or None if it cannot be a phone number."""
    if not raw:
        return None
    digits = _NOT_DIGITS.sub("", raw)
    if len(digits) == 9:
        digits = HOME_COUNTRY_CODE + digits
    elif len(digits) == 11 and digits.startswith("80"):
        digits = HOME_COUNTRY_CODE + digits[2:]
    elif len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    if not 10 <= len(digits) <= 15:
        return None
    return "+" + digits
