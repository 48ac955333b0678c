"""The barcode decoders: zxing-cpp (the default) and pyzbar (optional, ``RECOGNITION_DECODERS``).

Each ``*_reader()`` returns ``decode(gray, fixed) -> [(text, quad or None)]`` or raises
RecognitionUnavailable when its library is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from services.recognition.errors import RecognitionUnavailable

DECODERS = ("zxing", "zbar", "both")
DEFAULT_DECODERS = "zxing"
_SHORT_FALSE_READS = frozenset({"I25", "DATABAR", "DATABAR_EXP", "CODABAR"})


def decoder_names(choice: str = "") -> list[str]:
    """The decoders to run: the argument, else $RECOGNITION_DECODERS, else DEFAULT_DECODERS."""
    name = (choice or os.environ.get("RECOGNITION_DECODERS", "") or DEFAULT_DECODERS).strip().lower()
    if name not in DECODERS:
        raise RecognitionUnavailable(f"unknown barcode decoders {name!r} (choose {', '.join(DECODERS)})")
    return ["zxing", "zbar"] if name == "both" else [name]


def zxing_reader() -> Callable[..., list[tuple[str, np.ndarray | None]]]:
    try:
        import zxingcpp
    except ImportError as exc:
        raise RecognitionUnavailable(f"zxing-cpp is not installed: {exc}") from exc

    f = zxingcpp.BarcodeFormat
    # what order sheets carry; Codabar, DataBar and 2-of-5 only add short false reads of noise
    formats = [f.Code128, f.EAN13, f.EAN8, f.UPCA, f.UPCE, f.Code39, f.Code93, f.QRCode, f.DataMatrix]
    matrix = (f.QRCode, f.DataMatrix)

    def decode(gray: np.ndarray, fixed: bool = False) -> list[tuple[str, np.ndarray | None]]:
        # FixedThreshold (grey 127) reads blurred, sharpened bars the adaptive binarizer breaks up
        options = {"binarizer": zxingcpp.Binarizer.FixedThreshold} if fixed else {}
        found = []
        for r in zxingcpp.read_barcodes(gray, formats=formats, **options):
            if r.valid and r.text and (len(r.text) >= 6 or r.format in matrix):
                p = r.position
                corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
                found.append((r.text, np.float32([[c.x, c.y] for c in corners])))
        return found

    return decode


def zbar_reader() -> Callable[..., list[tuple[str, np.ndarray | None]]]:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is missing
        raise RecognitionUnavailable(f"zbar is not available: {exc}") from exc

    def decode(gray: np.ndarray, fixed: bool = False) -> list[tuple[str, np.ndarray | None]]:
        found = []
        for symbol in pyzbar.decode(gray):
            text = _text(symbol.data)
            if not text or (symbol.type in _SHORT_FALSE_READS and len(text) < 10):
                continue  # zbar's classic partial reads of a blurred Code 128 / 2-of-5
            r = symbol.rect
            x0, y0, x1, y1 = r.left, r.top, r.left + r.width, r.top + r.height
            found.append((text, np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])))
        return found

    return decode


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()
