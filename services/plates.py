"""Belarusian licence plates (``1234 AB-7`` and ``AB 1234-7``) in photos of cars.

``read_plates(image)``:

1. candidate regions on a working copy (longer side <= 1280 px) from two independent detectors:
   dark-text-on-light morphology (black-hat + horizontal gradient + closing -> rotated rectangles) and
   bright four-cornered quads (the plate itself, perspective-corrected);
2. every candidate is warped upright and its character row is located by connected components
   (7 glyphs of similar height on one line); candidates without such a row are dropped;
3. the surviving rows are stacked into one image and read by a single tesseract call (whitelist,
   one line per row), in two binarizations;
4. each line is matched against both layouts with positional repair of look-alikes (O/0, B/8, I/1 ...)
   and normalized with ``normalize_plate``; plates are ranked by votes and repairs, best first.

Command line: ``python -m services.plates FILE...`` prints ``FILE<TAB>PLATE1,PLATE2`` per file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from services.plate_text import normalize_plate
from services.recognition import (
    ImageInput,
    RecognitionUnavailable,
    UnreadableImage,
    load_bgr,
    resize_max,
    run_cli,
    to_gray,
)

__all__ = ["RecognitionUnavailable", "UnreadableImage", "read_plates"]

log = logging.getLogger(__name__)

WORK_SIDE = 1280
ROW_HEIGHT = 48  # pixel height of a character row handed to tesseract
MAX_ROWS = 8  # candidate rows per image (one tesseract call reads them all)
PLATE_LETTERS = "ABEIKMHOPCTX"
_WHITELIST = "0123456789" + PLATE_LETTERS
_TO_DIGIT = str.maketrans({"O": "0", "I": "1", "B": "8", "T": "7", "A": "4", "E": "3"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "8": "B", "7": "T", "4": "A", "3": "E"})
_LAYOUTS = ("DDDDLLR", "LLDDDDR")
_METHODS = (0, 1, 2)  # Otsu, adaptive, grey: three reads of every row vote


@dataclass(frozen=True)
class _Row:
    image: np.ndarray  # grey, ROW_HEIGHT high, dark glyphs on white
    glyphs: int


# ----------------------------------------------------------------------------------------- detection


def _order_quad(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def _rect_quad(rect: tuple, pad_x: float, pad_y: float) -> np.ndarray:
    (cx, cy), (w, h), ang = rect
    if w < h:
        w, h, ang = h, w, ang + 90
    return _order_quad(cv2.boxPoints(((cx, cy), (w * pad_x, h * pad_y), ang)))


def _text_regions(gray: np.ndarray) -> list[np.ndarray]:
    """Rows of dark glyphs on a light background: black-hat, x-gradient, horizontal closing."""
    quads: list[np.ndarray] = []
    for kw in (15, 31):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kw // 2))
        blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
        grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=3))
        grad = cv2.normalize(grad, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
        grad = cv2.GaussianBlur(grad, (5, 5), 0)
        wide = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * kw, 3))
        closed = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, wide)
        mask = cv2.threshold(closed, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
        mask = cv2.erode(mask, None, iterations=1)
        mask = cv2.dilate(mask, None, iterations=2)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            rect = cv2.minAreaRect(c)
            w, h = max(rect[1]), min(rect[1])
            if h < 8 or w < 40 or not 2.0 <= w / h <= 10.0:
                continue
            if cv2.contourArea(c) < 0.45 * w * h:
                continue
            quads.append(_rect_quad(rect, 1.35, 1.8))
    return quads


def _bright_quads(gray: np.ndarray) -> list[np.ndarray]:
    """Light four-cornered shapes with a plate's proportions (perspective-correct corners)."""
    quads: list[np.ndarray] = []
    area_img = gray.shape[0] * gray.shape[1]
    for binary in (
        cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1],
        cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 51, -5),
    ):
        binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((3, 9), np.uint8))
        contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            area = cv2.contourArea(c)
            if area < 1500 or area > 0.3 * area_img:
                continue
            rect = cv2.minAreaRect(c)
            w, h = max(rect[1]), min(rect[1])
            if h < 12 or not 2.8 <= w / h <= 7.0 or area < 0.7 * w * h:
                continue
            approx = cv2.approxPolyDP(c, 0.04 * cv2.arcLength(c, True), True)
            if len(approx) == 4 and cv2.isContourConvex(approx):
                quads.append(_order_quad(approx))
            else:
                quads.append(_rect_quad(rect, 1.0, 1.0))
    return quads


def _warp(gray: np.ndarray, quad: np.ndarray, height: int = 96) -> np.ndarray:
    top = np.linalg.norm(quad[1] - quad[0])
    side = np.linalg.norm(quad[3] - quad[0])
    width = int(np.clip(height * top / max(side, 1.0), height * 2, height * 10))
    dst = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    return cv2.warpPerspective(gray, cv2.getPerspectiveTransform(quad, dst), (width, height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _char_row(crop: np.ndarray) -> _Row | None:
    """The character row inside a warped candidate: 5-9 dark blobs of similar height on one line."""
    h, w = crop.shape
    norm = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 8)).apply(crop)
    smooth = cv2.GaussianBlur(norm, (3, 3), 0)
    binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if not 0.28 * h <= bh <= 0.95 * h or bw > 0.22 * w or bw < 2 or bh < 1.05 * bw * 0.8:
            continue
        if area < 0.12 * bw * bh or x == 0 or x + bw >= w:
            continue
        boxes.append((x, y, bw, bh))
    if len(boxes) < 5:
        return None
    heights = np.array([b[3] for b in boxes], np.float32)
    med_h = float(np.median(heights))
    centres = np.array([b[1] + b[3] / 2 for b in boxes], np.float32)
    med_c = float(np.median(centres))
    row = [
        b for b in boxes
        if abs(b[3] - med_h) <= 0.25 * med_h and abs(b[1] + b[3] / 2 - med_c) <= 0.3 * med_h
    ]
    if not 5 <= len(row) <= 10:
        return None
    row.sort()
    # glyphs of one plate are close: split at gaps wider than 1.6 heights, keep the biggest cluster
    clusters: list[list[tuple]] = [[row[0]]]
    for b in row[1:]:
        prev = clusters[-1][-1]
        if b[0] - (prev[0] + prev[2]) > 1.6 * med_h:
            clusters.append([b])
        else:
            clusters[-1].append(b)
    row = max(clusters, key=len)
    if not 5 <= len(row) <= 9:
        return None
    x0 = min(b[0] for b in row)
    x1 = max(b[0] + b[2] for b in row)
    y0 = min(b[1] for b in row)
    y1 = max(b[1] + b[3] for b in row)
    if (x1 - x0) < 2.5 * (y1 - y0):
        return None
    m = int(0.15 * (y1 - y0)) + 2
    mx = int(0.5 * (y1 - y0))  # a glyph the components missed at either end is still in the picture
    sub = norm[max(0, y0 - m) : y1 + m, max(0, x0 - mx) : x1 + mx]
    scale = ROW_HEIGHT / sub.shape[0]
    sub = cv2.resize(sub, (max(1, int(sub.shape[1] * scale)), ROW_HEIGHT), interpolation=cv2.INTER_CUBIC)
    return _Row(sub, len(row))


# ----------------------------------------------------------------------------------------------- OCR


def _tesseract():
    try:
        import pytesseract
    except ImportError as exc:
        raise RecognitionUnavailable(f"pytesseract is not installed: {exc}") from exc
    return pytesseract


def _binarize(row: np.ndarray, method: int) -> np.ndarray:
    if method == 2:
        return row  # tesseract's own binarization of the grey row
    if method == 0:
        return cv2.threshold(row, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    return cv2.adaptiveThreshold(row, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 12)


def _ocr_rows(rows: list[np.ndarray], tesseract_cmd: str) -> list[str]:
    """Read every row with one tesseract call: rows stacked with white gaps, mapped back by position."""
    pytesseract = _tesseract()
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
    words = zip(data["text"], data["top"], data["height"], data["left"], strict=True)
    for text, top, height, _ in sorted(words, key=lambda t: (t[1], t[3])):
        if not text.strip():
            continue
        centre = top + height / 2
        for i, row_top in enumerate(tops):
            if row_top - gap / 2 <= centre < row_top + ROW_HEIGHT + gap / 2:
                texts[i] += text.strip()
                break
    return texts


def _match(text: str) -> list[tuple[str, int]]:
    """Plates a tesseract line can be, with the number of repairs (look-alikes, extra characters)."""
    clean = "".join(ch for ch in text.upper() if ch.isalnum())
    found: dict[str, int] = {}
    for start in range(max(1, len(clean) - 6)):
        chunk = clean[start : start + 7]
        if len(chunk) != 7:
            break
        extra = min(len(clean) - 7, 3)  # border, flag or "BY" read as a character or two
        for layout in _LAYOUTS:
            out, repairs = [], extra
            for ch, kind in zip(chunk, layout, strict=True):
                want = ch.translate(_TO_DIGIT) if kind in "DR" else ch.translate(_TO_LETTER)
                repairs += want != ch
                out.append(want)
            plate = "".join(out)
            ok = all(
                (c.isdigit() if k == "D" else c in PLATE_LETTERS if k == "L" else c in "1234567")
                for c, k in zip(plate, layout, strict=True)
            )
            if ok and repairs - extra <= 2:
                plate = normalize_plate(plate)
                found[plate] = min(repairs, found.get(plate, 99))
    return sorted(found.items(), key=lambda kv: kv[1])


# ---------------------------------------------------------------------------------------------- API


def _candidate_rows(gray: np.ndarray) -> list[_Row]:
    rows: list[_Row] = []
    seen: list[np.ndarray] = []
    for quad in _bright_quads(gray) + _text_regions(gray):
        centre = quad.mean(axis=0)
        size = np.linalg.norm(quad[1] - quad[0])
        if any(np.linalg.norm(centre - c) < 0.1 * s and abs(size - s) < 0.2 * s for c, s in seen):
            continue
        seen.append((centre, size))
        row = _char_row(_warp(gray, quad))
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: abs(r.glyphs - 7))
    return rows[:MAX_ROWS]


def read_plates(image: ImageInput, tesseract_cmd: str = "") -> list[str]:
    """Plates read in the photo, normalized (``0434MH1``), best first; [] when none.

    Raises RecognitionUnavailable when tesseract is missing, UnreadableImage for non-images.
    """
    _tesseract()
    gray, _ = resize_max(to_gray(load_bgr(image)), WORK_SIDE)
    rows = _candidate_rows(gray)
    if not rows:
        return []
    images = [_binarize(r.image, m) for r in rows for m in _METHODS]
    texts = _ocr_rows(images, tesseract_cmd)
    score: dict[str, float] = {}
    for i, text in enumerate(texts):
        row = rows[i // len(_METHODS)]
        for plate, repairs in _match(text):
            s = 3.0 - 0.7 * repairs - 0.3 * abs(row.glyphs - 7)
            score[plate] = score.get(plate, 0.0) + max(s, 0.2)
    log.debug("rows=%d texts=%s scores=%s", len(rows), texts, score)
    return [p for p, _ in sorted(score.items(), key=lambda kv: -kv[1])]


def main(argv: list[str] | None = None) -> int:
    return run_cli("plates", read_plates, argv)


if __name__ == "__main__":
    raise SystemExit(main())
