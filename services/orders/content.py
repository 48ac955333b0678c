"""`content.txt` of an order folder: a JSON object with `order`, `barcode`, `phone` and
`plate_number`, saved however Windows saved it (UTF-8, UTF-8 with BOM, cp1251; UTF-16 with a BOM
too). Bad data never raises: it gives a short problem code the order is flagged with:

- `missing`    no content.txt in the folder;
- `unreadable` content.txt exists but cannot be read (locked, no permission); retried every scan;
- `malformed`  not strict JSON (a trailing comma is malformed), not an object, undecodable, too big,
               or not a regular file (a link, a FIFO, a device: never opened);
- `no_phone`   no phone, or one `normalize_phone` cannot make sense of (the raw value is kept).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.phones import normalize_phone
from services.plate_text import normalize_plate
from services.share_paths import TooBig, UnsafePath, read_regular

CONTENT_FILE = "content.txt"
MAX_CONTENT_BYTES = 1 << 20

PROBLEM_MISSING = "missing"
PROBLEM_UNREADABLE = "unreadable"
PROBLEM_MALFORMED = "malformed"
PROBLEM_NO_PHONE = "no_phone"


@dataclass(frozen=True, slots=True)
class ContentData:
    """content.txt of one folder, parsed and normalized."""

    problem: str | None
    detail: str | None = None
    order: str | None = None
    barcode: str | None = None
    phone: str | None = None
    phone_raw: str | None = None
    plate: str | None = None


def decode_text(raw: bytes) -> str:
    """Text as Windows may have saved it: UTF-16 with a BOM, UTF-8 (BOM or not), else cp1251."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251")


def _field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text or None


def parse_content(raw: bytes) -> ContentData:
    """Parse the bytes of a content.txt; never raises."""
    try:
        data = json.loads(decode_text(raw))
    except UnicodeDecodeError as exc:
        return ContentData(PROBLEM_MALFORMED, f"undecodable text: {exc.reason}")
    except json.JSONDecodeError as exc:
        return ContentData(PROBLEM_MALFORMED, f"not valid JSON: {exc.msg} at line {exc.lineno}")
    except (ValueError, RecursionError) as exc:  # e.g. a number too long to convert
        return ContentData(PROBLEM_MALFORMED, f"not usable JSON: {exc}")
    if not isinstance(data, dict):
        return ContentData(PROBLEM_MALFORMED, "not a JSON object")
    phone_raw = _field(data, "phone")
    phone = normalize_phone(phone_raw)
    detail = None
    if phone is None:
        detail = "no phone" if phone_raw is None else f"phone {phone_raw!r} is not a number"
    return ContentData(
        problem=None if phone else PROBLEM_NO_PHONE,
        detail=detail,
        order=_field(data, "order"),
        barcode=_field(data, "barcode"),
        phone=phone,
        phone_raw=phone_raw,
        plate=normalize_plate(_field(data, "plate_number")) or None,
    )


def read_content(path: str) -> ContentData:
    """Read and parse one content.txt (blocking, but never on a FIFO or device); never raises."""
    try:
        raw = read_regular(Path(path), MAX_CONTENT_BYTES)
    except FileNotFoundError:
        return ContentData(PROBLEM_MISSING, "content.txt vanished while reading")
    except TooBig:
        return ContentData(PROBLEM_MALFORMED, f"larger than {MAX_CONTENT_BYTES} bytes")
    except UnsafePath as exc:
        return ContentData(PROBLEM_MALFORMED, str(exc))
    except OSError as exc:
        return ContentData(PROBLEM_UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
    return parse_content(raw)
