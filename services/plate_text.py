"""The one rule for comparing licence plates, typed or read by OCR.

Spaces, dashes and any other separators are ignored, and Cyrillic letters that look like Latin
ones (А В Е І К М Н О Р С Т Х) count as those Latin letters, so `0434 МН-1`, `0434mh1` and
`0434 MH - 1` are the same plate.
"""

from __future__ import annotations

_LOOKALIKES = str.maketrans("АВЕІКМНОРСТХЁ", "ABEIKMHOPCTXE")


def normalize_plate(raw: str | None) -> str:
    """Upper-case Latin letters and digits only; empty string when nothing is left."""
    if not raw:
        return ""
    upper = raw.upper().translate(_LOOKALIKES)
    return "".join(ch for ch in upper if ch.isascii() and ch.isalnum())
