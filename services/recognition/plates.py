"""Belarusian licence plates (``1234 AB-7`` and ``AB 1234-7``) in photos of cars.

``read_plates(image, engine=..., known=...)``, engine "rapidocr" (default, see README for why) or
"tesseract" (``$OCR_ENGINE`` when not given):

1. candidate regions on a working copy (longer side <= 1280 px) from two independent detectors:
   bright four-cornered quads (the plate itself, perspective-corrected) and dark-text-on-light
   morphology (black-hat + horizontal gradient + closing -> rotated rectangles);
2. every candidate is warped upright and its character row is located by connected components in three
   binarizations (Otsu, local mean, Otsu with thin lines opened away so glyphs touching the border or a
   frame come loose): the run of one-height blobs most like 7 glyphs, touching glyphs counted by width;
   the row is deskewed (fit through the glyph centres), cut with a glyph's margin at either end and
   scaled to ROW_HEIGHT; candidates without such a row are dropped;
3. RapidOCR: the rows go to its recognition network lazily, 7-glyph rows of plate-shaped quads first,
   in small batches, until one read is sure (RAPID_SURE); when no row gives a plate, RapidOCR's text
   detector proposes lines instead (the slow fallback: moire, heavy dirt, tiny plates). Each read is
   matched against both layouts using the gaps the network keeps ("CO0 3435-1": a stray character
   inside a group is dropped), look-alikes repaired by position and priced;
   tesseract: the rows are stacked into one image and read by one call (LSTM, psm 6, whitelist), each
   row three times (Otsu, glyph components alone, grey), matched with ``_match``;
4. ``_decide``: plates are ranked by votes; a plate needs one nearly clean read, and a leader with a
   close rival one or two characters away gives no answer rather than a wrong one, unless exactly one
   of them is an open order's plate (``known``).

Command line: ``python -m services.recognition.plates FILE...`` prints ``FILE<TAB>PLATE1,PLATE2`` per file.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from services.plate_text import normalize_plate
from services.recognition import plate_rapid
from services.recognition.images import (
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

ENGINES = ("rapidocr", "tesseract")
DEFAULT_ENGINE = "rapidocr"  # measured better on every condition (bench/recognition.py, README)
WORK_SIDE = 1280
ROW_HEIGHT = 64  # pixel height of a character row handed to tesseract
MIN_READ = 2.0  # a plate needs one read this good (3.0 = exact 7-glyph read)
RIVAL_SHARE = 0.7  # a near-identical plate with this share of the leader's votes: no answer
MAX_ROWS = 8  # candidate rows per image (one tesseract call reads them all)
PLATE_LETTERS = "ABEIKMHOPCTX"
_WHITELIST = "0123456789" + PLATE_LETTERS
_TO_DIGIT = str.maketrans({"O": "0", "I": "1", "B": "8", "T": "7", "A": "4", "E": "3"})
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "8": "B", "7": "T", "4": "A", "3": "E"})
_LAYOUTS = ("DDDDLLR", "LLDDDDR")
_REPAIR_COST = {"O0": 0.2, "0O": 0.2, "I1": 0.3, "1I": 0.3, "B8": 0.5, "8B": 0.5}  # others: 1.0
_EXTRA_COST = 0.3
_METHODS = (0, 1, 2)  # Otsu, glyph components only, grey: three reads of every row vote
KNOWN_SHARE = 0.6  # a read of an open order's plate counts from this share of the minimum read
# RapidOCR: candidate lines per photo, lines per network call, a read that ends the search early,
# the read a plate needs, cost of the repairs in confidence, the repairs a read may need at most
RAPID_MAX_LINES = 12
RAPID_BATCH = 4
RAPID_SURE = 0.93
RAPID_MIN_READ = 0.75
RAPID_COST = 0.3
RAPID_MAX_COST = 1.0


@dataclass(frozen=True)
class _Row:
    image: np.ndarray  # grey, ROW_HEIGHT high, dark glyphs on white
    glyphs_only: np.ndarray  # the row's glyph components alone, black on white (no screws, border)
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
    return cv2.warpPerspective(
        gray,
        cv2.getPerspectiveTransform(quad, dst),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _binaries(norm: np.ndarray) -> list[np.ndarray]:
    """Dark-glyph masks of a warped candidate: global Otsu and a local (adaptive) threshold."""
    h = norm.shape[0]
    smooth = cv2.GaussianBlur(norm, (3, 3), 0)
    block = max(15, int(h * 0.6) | 1)
    otsu = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    return [
        otsu,
        cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10),
        # thin lines (the plate's border, a frame, scratches) opened away from glyphs touching them
        cv2.morphologyEx(otsu, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))),
    ]


def _glyph_boxes(binary: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int, int]]]:
    """Connected components that can be one glyph or a few touching ones: (labels, [x, y, w, h, label])."""
    h, w = binary.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if not 0.22 * h <= bh <= 0.97 * h or bw < 2 or bw > 3.6 * bh:
            continue
        if area < 0.12 * bw * bh or x == 0 or x + bw >= w:
            continue
        boxes.append((x, y, bw, bh, i))
    return labels, boxes


def _best_line(boxes: list[tuple[int, int, int, int, int]]) -> tuple[list[tuple], int] | None:
    """The horizontal run of boxes of one height that looks most like 7 glyphs: (boxes, glyph count)."""
    best: tuple[float, list[tuple], int] | None = None
    tried: set[tuple[int, ...]] = set()
    for ref in boxes:
        big_h, cy = ref[3], ref[1] + ref[3] / 2
        if ref[2] > 1.2 * big_h:  # references are single (perhaps slanted) glyphs
            continue
        line = sorted(
            b for b in boxes if abs(b[3] - big_h) <= 0.2 * big_h and abs(b[1] + b[3] / 2 - cy) <= 0.3 * big_h
        )
        key = tuple(b[4] for b in line)
        if key in tried:
            continue
        tried.add(key)
        # glyphs of one plate are close: split at gaps wider than 1.3 heights, keep the part with ref
        parts: list[list[tuple]] = [[line[0]]]
        for b in line[1:]:
            prev = parts[-1][-1]
            if b[0] - (prev[0] + prev[2]) > 1.3 * big_h:
                parts.append([b])
            else:
                parts[-1].append(b)
        part = next(p for p in parts if ref in p)
        # the glyph pitch: most components are single glyphs; a thin 1 or I is not the pitch
        unit = float(np.clip(np.median([b[2] for b in part]), 0.4 * big_h, 1.1 * big_h))
        count = sum(max(1, round(b[2] / (unit * 1.08))) for b in part)
        if not 5 <= count <= 9:
            continue
        x0, x1 = part[0][0], max(b[0] + b[2] for b in part)
        if x1 - x0 < 2.5 * big_h:
            continue
        cost = abs(count - 7) - 0.001 * big_h
        if best is None or cost < best[0]:
            best = (cost, part, count)
    return None if best is None else (best[1], best[2])


def _char_row(crop: np.ndarray) -> _Row | None:
    """The character row inside a warped candidate: 5-9 glyphs of one height on one line, deskewed."""
    norm = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(2, 8)).apply(crop)
    best = None
    for binary in _binaries(norm):
        labels, boxes = _glyph_boxes(binary)
        found = _best_line(boxes)
        if found is not None and (best is None or abs(found[1] - 7) < abs(best[1][1] - 7)):
            best = (labels, found)
    if best is None:
        return None
    labels, (part, count) = best
    big_h = float(np.median([b[3] for b in part]))
    xs = np.array([b[0] + b[2] / 2 for b in part], np.float32)
    bottoms = np.array([b[1] + b[3] for b in part], np.float32)
    tops = np.array([b[1] for b in part], np.float32)
    slope = float(np.polyfit(xs, (bottoms + tops) / 2, 1)[0]) if len(part) >= 3 else 0.0
    slope = float(np.clip(slope, -0.2, 0.2))
    x0 = min(b[0] for b in part)
    x1 = max(b[0] + b[2] for b in part)
    cx = (x0 + x1) / 2
    cy = float(np.median((bottoms + tops) / 2 + slope * (cx - xs)))
    mx, my = 1.0 * big_h, 0.8 * big_h  # margins: a glyph the components missed at either end
    scale = ROW_HEIGHT / (2 * my)
    out_w = int((x1 - x0 + 2 * mx) * scale)
    m = cv2.getRotationMatrix2D((cx, cy), float(np.degrees(np.arctan(slope))), scale)
    m[0, 2] += out_w / 2 - cx
    m[1, 2] += ROW_HEIGHT / 2 - cy
    size = (out_w, ROW_HEIGHT)
    sub = cv2.warpAffine(norm, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    keep = np.isin(labels, [b[4] for b in part]).astype(np.uint8) * 255
    mask = cv2.warpAffine(keep, m, size, flags=cv2.INTER_LINEAR)
    return _Row(sub, 255 - mask, count)


# ----------------------------------------------------------------------------------------------- OCR


def _tesseract():
    try:
        import pytesseract
    except ImportError as exc:
        raise RecognitionUnavailable(f"pytesseract is not installed: {exc}") from exc
    return pytesseract


def _binarize(row: _Row, method: int) -> np.ndarray:
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


def _match(text: str) -> list[tuple[str, float]]:
    """Plates a tesseract line can be, with the cost of the repairs (look-alikes, extra characters).

    Repairs cost what the confusion is worth as evidence: O/0 and I/1 are the same shape in plate fonts,
    B/8 nearly so, while reading T as 7 or E as 3 is a real change; an extra character (the border, the
    flag or "BY" read as a glyph) costs a little.
    """
    clean = "".join(ch for ch in text.upper() if ch.isalnum())
    found: dict[str, float] = {}
    for start in range(max(1, len(clean) - 6)):
        chunk = clean[start : start + 7]
        if len(chunk) != 7:
            break
        extra = _EXTRA_COST * min(len(clean) - 7, 3)
        for layout in _LAYOUTS:
            out, cost = [], extra
            for ch, kind in zip(chunk, layout, strict=True):
                want = ch.translate(_TO_DIGIT) if kind in "DR" else ch.translate(_TO_LETTER)
                if want != ch:
                    cost += _REPAIR_COST.get(ch + want, 1.0)
                out.append(want)
            plate = "".join(out)
            ok = all(
                (c.isdigit() if k == "D" else c in PLATE_LETTERS if k == "L" else c in "1234567")
                for c, k in zip(plate, layout, strict=True)
            )
            if ok and cost - extra <= 2.0:
                plate = normalize_plate(plate)
                found[plate] = round(min(cost, found.get(plate, 99.0)), 2)
    return sorted(found.items(), key=lambda kv: kv[1])


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


def _scores(reads: list[tuple[str, float, int]]) -> tuple[dict[str, float], dict[str, float]]:
    """(summed score, best single read) per plate the tesseract reads can be."""
    score: dict[str, float] = {}
    best: dict[str, float] = {}
    for text, _conf, glyphs in reads:
        for plate, cost in _match(text):
            s = 3.0 - cost - 0.3 * abs(glyphs - 7)
            score[plate] = score.get(plate, 0.0) + max(s, 0.2)
            best[plate] = max(best.get(plate, -9.0), s)
    return score, best


def _decide(
    score: dict[str, float], best: dict[str, float], min_read: float, known: Collection[str] = ()
) -> list[str]:
    """Plates best first from summed scores and best single reads.

    A plate is only returned when at least one read matched it well (``min_read``), and nothing is
    returned when the leader has a close rival a character or two away (RIVAL_SHARE of its score):
    better no answer (the user types the plate) than a confident wrong one. ``known`` (the open
    orders' plates) settles such a tie when exactly one of the rivals is known, and lets a weaker read
    (``KNOWN_SHARE`` of ``min_read``) of a known plate count: a wrong read rarely lands on one.
    """
    ranked = sorted(score, key=lambda p: -score[p])
    good = [p for p in ranked if best[p] >= min_read]
    weak_known = [p for p in ranked if p in known and best[p] >= KNOWN_SHARE * min_read]
    if not good:
        return weak_known[:1]
    top = good[0]
    close = [p for p in good[1:] if _distance(p, top) <= 2 and score[p] >= RIVAL_SHARE * score[top]]
    if close:
        named = [p for p in (top, *close) if p in known]
        return named if len(named) == 1 else []
    return sorted(good, key=lambda p: p not in known)


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True)) if len(a) == len(b) else 9


def _rank(reads: list[tuple[str, float, int]], known: Collection[str] = ()) -> list[str]:
    """Plates from tesseract's (text, confidence, glyphs in the row) reads, best first."""
    score, best = _scores(reads)
    return _decide(score, best, MIN_READ, known)


# ------------------------------------------------------------------------------------------ engines


def engine_name(engine: str = "") -> str:
    """The OCR engine to use: the argument, else $OCR_ENGINE, else DEFAULT_ENGINE."""
    name = (engine or os.environ.get("OCR_ENGINE", "") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise RecognitionUnavailable(f"unknown OCR engine {name!r} (choose {' or '.join(ENGINES)})")
    return name


def _read_tesseract(gray: np.ndarray, tesseract_cmd: str, known: Collection[str]) -> list[str]:
    _tesseract()
    rows = _candidate_rows(gray)
    if not rows:
        return []
    images = [_binarize(r, m) for r in rows for m in _METHODS]
    lines = _ocr_rows(images, tesseract_cmd)
    reads = [(text, conf, rows[i // len(_METHODS)].glyphs) for i, (text, conf) in enumerate(lines)]
    log.debug("reads=%s", reads)
    return _rank(reads, known)


def _pad_quad(quad: np.ndarray, px: float, py: float) -> np.ndarray:
    """The quad grown by ``px`` of its width and ``py`` of its height on each side (a glyph at the
    plate's edge must not touch the crop's)."""
    across = (quad[1] - quad[0] + quad[2] - quad[3]) / 2
    down = (quad[3] - quad[0] + quad[2] - quad[1]) / 2
    grown = quad + np.float32([-1, 1, 1, -1])[:, None] * across * px
    return (grown + np.float32([-1, -1, 1, 1])[:, None] * down * py).astype(np.float32)


def _plate_likeness(quad: np.ndarray) -> float:
    w = float(np.linalg.norm(quad[1] - quad[0]))
    h = float(np.linalg.norm(quad[3] - quad[0]))
    return abs(np.log(max(w, 1.0) / max(h, 1.0) / 4.6))


def _line_stream(gray: np.ndarray) -> Iterator[np.ndarray]:
    """Lines for the network, lazily and the likeliest first, so that a sure read early spares the
    rest: 7-glyph rows the glyph finder cuts out of plate-shaped bright quads (deskewed, without frame
    adverts or the flag), then out of rows of dark text; then the other rows, best glyph count first;
    then the three most plate-like quads as they are."""
    seen: list[tuple[np.ndarray, float]] = []
    deferred: list[_Row] = []
    bright = sorted(_bright_quads(gray), key=_plate_likeness)
    for detector in (lambda: bright, lambda: _text_regions(gray)):
        for quad in detector():
            centre, size = quad.mean(axis=0), float(np.linalg.norm(quad[1] - quad[0]))
            if any(np.linalg.norm(centre - c) < 0.1 * s and abs(size - s) < 0.2 * s for c, s in seen):
                continue
            seen.append((centre, size))
            row = _char_row(_warp(gray, quad))
            if row is not None and row.glyphs == 7:
                yield row.image
            elif row is not None:
                deferred.append(row)
    yield from (r.image for r in sorted(deferred, key=lambda r: abs(r.glyphs - 7)))
    for quad in bright[:3]:
        yield _warp(gray, _pad_quad(quad, 0.03, 0.12), plate_rapid.LINE_HEIGHT)


_GROUPS = {"DDDDLLR": (4, 6), "LLDDDDR": (2, 6)}  # where the printed spaces and dashes fall


def _rapid_match(text: str) -> list[tuple[str, float]]:
    """Plates a network read can be, with the cost of the repairs.

    Like ``_match`` (layouts, priced look-alikes), plus what the network's spacing tells: it keeps
    the printed gaps ("CO0 3435-1"), so up to two stray characters may be dropped (0.25 each) and a
    reading whose gaps fall inside a layout's groups costs 0.5 more.
    """
    text = text.replace("l", "I").replace("|", "I")
    chars: list[tuple[str, int]] = []  # (character, group number)
    group = 0
    for ch in text:
        norm = normalize_plate(ch)
        if norm:
            chars.append((norm, group))
        elif chars and chars[-1][1] == group:
            group += 1
    if len(chars) > 7 and "".join(c for c, g in chars if g == chars[0][1]) == "BY":
        chars = chars[2:]  # the country code printed under the flag
    if not 7 <= len(chars) <= 9:
        return []
    found: dict[str, float] = {}
    for drop in _drops(len(chars)):
        kept = [c for i, c in enumerate(chars) if i not in drop]
        cuts = {i for i in range(1, 7) if kept[i][1] != kept[i - 1][1]}
        for layout, groups in _GROUPS.items():
            plate, cost = _repair("".join(c for c, _ in kept), layout)
            if plate is None:
                continue
            cost += 0.25 * len(drop) + (0.5 if cuts - set(groups) else 0.0)
            found[plate] = round(min(cost, found.get(plate, 99.0)), 2)
    return sorted(found.items(), key=lambda kv: kv[1])


def _drops(n: int) -> list[tuple[int, ...]]:
    if n == 7:
        return [()]
    if n == 8:
        return [(i,) for i in range(8)]
    return [(i, j) for i in range(9) for j in range(i + 1, 9)]


def _repair(chunk: str, layout: str) -> tuple[str | None, float]:
    """``chunk`` (7 characters) as a plate of ``layout`` with look-alikes repaired: (plate, cost)."""
    out, cost = [], 0.0
    for ch, kind in zip(chunk, layout, strict=True):
        want = ch.translate(_TO_DIGIT) if kind in "DR" else ch.translate(_TO_LETTER)
        if want != ch:
            cost += _REPAIR_COST.get(ch + want, 1.0)
        out.append(want)
    plate = "".join(out)
    ok = all(
        (c.isdigit() if k == "D" else c in PLATE_LETTERS if k == "L" else c in "1234567")
        for c, k in zip(plate, layout, strict=True)
    )
    return (plate, cost) if ok else (None, 0.0)


def _rapid_score(text: str, conf: float) -> list[tuple[str, float]]:
    """The plate(s) one network read most likely is, scored by its confidence less the repairs it
    needed (the read's costlier readings are not votes: they would be rivals of its best one)."""
    found = _rapid_match(text)
    if not found or found[0][1] > RAPID_MAX_COST:
        return []
    return [(p, conf - RAPID_COST * cost) for p, cost in found if cost <= found[0][1] + 0.1]


def _read_rapid(gray: np.ndarray, known: Collection[str]) -> list[str]:
    score: dict[str, float] = {}
    best: dict[str, float] = {}
    batch: list[np.ndarray] = []
    size = 2  # the first call is small: two rows of a clear plate are often enough
    lines = itertools.islice(_line_stream(gray), RAPID_MAX_LINES)
    for line in itertools.chain(lines, [None]):
        if line is not None:
            batch.append(line)
            if len(batch) < size:
                continue
        for text, conf in plate_rapid.read_lines(batch):
            for plate, s in _rapid_score(text, conf):
                score[plate] = score.get(plate, 0.0) + max(s, 0.05)
                best[plate] = max(best.get(plate, -9.0), s)
        batch, size = [], RAPID_BATCH
        if best and max(best.values()) >= RAPID_SURE:
            break  # a clean, confident read: the rest of the candidates are adverts and grilles
    if not best or max(best.values()) < RAPID_MIN_READ:
        for text, conf in plate_rapid.read_lines(_detected_lines(gray)):
            for plate, s in _rapid_score(text, conf):
                score[plate] = score.get(plate, 0.0) + max(s, 0.05)
                best[plate] = max(best.get(plate, -9.0), s)
    log.debug("rapid reads: %s", best)
    return _decide(score, best, RAPID_MIN_READ, known)


def _joined(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Neighbours on one line joined (the detector splits a plate at its wide gap: "8975" "IH-3")."""
    joined = []
    for a, b in itertools.permutations(quads, 2):
        ha, hb = np.linalg.norm(a[3] - a[0]), np.linalg.norm(b[3] - b[0])
        gap = b[0] - a[1]
        if abs(ha - hb) < 0.3 * ha and abs(gap[1]) < 0.5 * ha and -0.2 * ha < gap[0] < 1.5 * ha:
            joined.append(_rect_quad(cv2.minAreaRect(np.vstack([a, b])), 1.0, 1.0))
    return joined


def _detected_lines(gray: np.ndarray) -> list[np.ndarray]:
    """The fallback: lines RapidOCR's text detector finds, plate-shaped ones first."""
    small, scale = resize_max(gray, plate_rapid.DETECT_SIDE)
    quads = [_order_quad(q) / scale for q in plate_rapid.detect(small)]
    quads += _joined(quads)
    quads = [q for q in quads if _plate_likeness(q) < 1.2]  # aspect 1.4-15: lines, not blobs
    quads.sort(key=_plate_likeness)
    return [_warp(gray, _pad_quad(q, 0.03, 0.1), plate_rapid.LINE_HEIGHT) for q in quads[:RAPID_MAX_LINES]]


# ---------------------------------------------------------------------------------------------- API


def read_plates(
    image: ImageInput, tesseract_cmd: str = "", engine: str = "", known: Collection[str] = ()
) -> list[str]:
    """Plates read in the photo, normalized (``0434MH1``), best first; [] when none.

    ``engine``: "rapidocr" or "tesseract" ("" = $OCR_ENGINE or DEFAULT_ENGINE). ``known``: the open
    orders' normalized plates, preferred when the reads are close (see ``_decide``).
    Raises RecognitionUnavailable when the engine is missing, UnreadableImage for non-images.
    """
    name = engine_name(engine)
    if name == "rapidocr":
        plate_rapid.load()
    else:
        _tesseract()
    gray, _ = resize_max(to_gray(load_bgr(image)), WORK_SIDE)
    known = frozenset(known)
    if name == "rapidocr":
        return _read_rapid(gray, known)
    return _read_tesseract(gray, tesseract_cmd, known)


def main(argv: list[str] | None = None) -> int:
    return run_cli("plates", read_plates, argv)


if __name__ == "__main__":
    raise SystemExit(main())
