"""Plates read by tesseract (the ``OCR_ENGINE=tesseract`` alternative).

The candidates' character rows are stacked into one image and read by one call (LSTM, psm 6,
whitelist), each row three times (Otsu, glyph components alone, grey); the reads vote (``plate_rules``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

import cv2
import numpy as np

from services.recognition.errors import RecognitionUnavailable
from services.recognition.plate_candidates import ROW_HEIGHT, Row, bright_quads, distinct_rows, text_regions
from services.recognition.plate_rules import PLATE_LETTERS, rank

log = logging.getLogger(__name__)

MAX_ROWS = 8  # candidate rows per image (one tesseract call reads them all)
_WHITELIST = "0123456789" + PLATE_LETTERS
_METHODS = (0, 1, 2)  # Otsu, glyph components only, grey: three reads of every row vote


def load_tesseract():
    try:
        import pytesseract
    except ImportError as exc:
        raise RecognitionUnavailable(f"pytesseract is not installed: {exc}") from exc
    return pytesseract


def _binarize(row: Row, method: int) -> np.ndarray:
    if method == 2:
        return row.image  # tesseract's own binarization of the grey row
    if method == 1:
        return row.glyphs_only
    return cv2.threshold(row.image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


def _ocr_rows(rows: list[np.ndarray], tesseract_cmd: str) -> list[tuple[str, float]]:
    """Read every row with one tesseract call: rows stacked with white gaps, mapped back by position.

    Returns (text, confidence 0-100 of its least sure word) per row (tesseract 5 reports 0 with a
    whitelist, so the ranking does not use it).
    """
    pytesseract = load_tesseract()
    if tesseract_cmd:
        pytesseract.pytesseract.tesseract_cmd = tesseract_cmd
    gap = ROW_HEIGHT // 2
    width = max(r.shape[1] for r in rows) + 2 * gap
    tops = []
    parts = [np.full((gap, width), 255, np.uint8)]
    y = gap
    for r in rows:
        tops.append(y)
        padded = np.full((r.shape[0] + gap, width), 255, np.uint8)
        padded[: r.shape[0], gap : gap + r.shape[1]] = r
        parts.append(padded)
        y += padded.shape[0]
    sheet = np.vstack(parts)
    config = f"--psm 6 --oem 1 -c tessedit_char_whitelist={_WHITELIST}"
    try:
        data = pytesseract.image_to_data(
            sheet, config=config, output_type=pytesseract.Output.DICT, timeout=20
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise RecognitionUnavailable("tesseract is not installed or not on PATH") from exc
    texts = [""] * len(rows)
    confs = [100.0] * len(rows)
    words = zip(data["text"], data["conf"], data["top"], data["height"], data["left"], strict=True)
    for text, conf, top, height, _ in sorted(words, key=lambda t: (t[2], t[4])):
        if not text.strip():
            continue
        centre = top + height / 2
        for i, row_top in enumerate(tops):
            if row_top - gap / 2 <= centre < row_top + ROW_HEIGHT + gap / 2:
                texts[i] += text.strip()
                confs[i] = min(confs[i], float(conf))
                break
    return [(t, c if t else 0.0) for t, c in zip(texts, confs, strict=True)]


def _candidate_rows(gray: np.ndarray) -> list[Row]:
    rows = list(distinct_rows(gray, bright_quads(gray) + text_regions(gray)))
    rows.sort(key=lambda r: abs(r.glyphs - 7))
    return rows[:MAX_ROWS]


def read(gray: np.ndarray, tesseract_cmd: str, known: Collection[str]) -> list[str]:
    load_tesseract()
    rows = _candidate_rows(gray)
    if not rows:
        return []
    images = [_binarize(r, m) for r in rows for m in _METHODS]
    lines = _ocr_rows(images, tesseract_cmd)
    reads = [(text, conf, rows[i // len(_METHODS)].glyphs) for i, (text, conf) in enumerate(lines)]
    log.debug("reads=%s", reads)
    return rank(reads, known)
