"""Where a plate may be in a photo of a car, and its row of characters cut out upright.

Two independent detectors propose quads on the working copy: bright four-cornered shapes (the plate
itself, perspective-corrected) and dark-text-on-light morphology (black-hat + horizontal gradient +
closing -> rotated rectangles). Every candidate is warped upright and its character row located by
connected components in three binarizations (Otsu, local mean, Otsu with thin lines opened away so glyphs
touching the border or a frame come loose): the run of one-height blobs most like 7 glyphs, touching
glyphs counted by width; the row is deskewed, cut with a glyph's margin at either end and scaled to
ROW_HEIGHT. Used by both OCR engines (``plate_tesseract``, ``plate_rapid``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

ROW_HEIGHT = 64  # pixel height of a character row handed to the OCR


@dataclass(frozen=True)
class Row:
    image: np.ndarray  # grey, ROW_HEIGHT high, dark glyphs on white
    glyphs_only: np.ndarray  # the row's glyph components alone, black on white (no screws, border)
    glyphs: int


def order_quad(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def rect_quad(rect: tuple, pad_x: float, pad_y: float) -> np.ndarray:
    (cx, cy), (w, h), ang = rect
    if w < h:
        w, h, ang = h, w, ang + 90
    return order_quad(cv2.boxPoints(((cx, cy), (w * pad_x, h * pad_y), ang)))


def text_regions(gray: np.ndarray) -> list[np.ndarray]:
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
            quads.append(rect_quad(rect, 1.35, 1.8))
    return quads


def bright_quads(gray: np.ndarray) -> list[np.ndarray]:
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
                quads.append(order_quad(approx))
            else:
                quads.append(rect_quad(rect, 1.0, 1.0))
    return quads


def warp(gray: np.ndarray, quad: np.ndarray, height: int = 96) -> np.ndarray:
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


def char_row(crop: np.ndarray) -> Row | None:
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
    return Row(sub, 255 - mask, count)


def distinct_rows(gray: np.ndarray, quads: Iterable[np.ndarray]) -> Iterator[Row]:
    """The character rows of ``quads`` (taken lazily), skipping a quad that repeats an earlier one
    (the two detectors often find the same plate) and quads without a row."""
    seen: list[tuple[np.ndarray, float]] = []
    for quad in quads:
        centre, size = quad.mean(axis=0), float(np.linalg.norm(quad[1] - quad[0]))
        if any(np.linalg.norm(centre - c) < 0.1 * s and abs(size - s) < 0.2 * s for c, s in seen):
            continue
        seen.append((centre, size))
        row = char_row(warp(gray, quad))
        if row is not None:
            yield row


def pad_quad(quad: np.ndarray, px: float, py: float) -> np.ndarray:
    """The quad grown by ``px`` of its width and ``py`` of its height on each side (a glyph at the
    plate's edge must not touch the crop's)."""
    across = (quad[1] - quad[0] + quad[2] - quad[3]) / 2
    down = (quad[3] - quad[0] + quad[2] - quad[1]) / 2
    grown = quad + np.float32([-1, 1, 1, -1])[:, None] * across * px
    return (grown + np.float32([-1, -1, 1, 1])[:, None] * down * py).astype(np.float32)


def plate_likeness(quad: np.ndarray) -> float:
    w = float(np.linalg.norm(quad[1] - quad[0]))
    h = float(np.linalg.norm(quad[3] - quad[0]))
    return abs(np.log(max(w, 1.0) / max(h, 1.0) / 4.6))
