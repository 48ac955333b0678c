"""Where barcodes may be in a photo, and the image passes that give a decoder its best chance.

Regions come from OpenCV's detector and our own (patches of parallel bars); each is cut out of the
full-resolution photo, turned upright and zoomed (``upright``), then tried as is, sharpened, with CLAHE
contrast, upscaled (``crop_passes``). ``whole_passes`` are the last resorts over the whole photo.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import cv2
import numpy as np

from services.recognition.images import resize_max

log = logging.getLogger(__name__)

MAX_REGIONS = 8
MAX_REGION_SHARE = 0.25  # of the photo's area
_ROTATIONS = (-20, 20, -40, 40)


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def detector_regions(gray: np.ndarray) -> list[np.ndarray]:
    """Quads (in ``gray``'s pixels) that OpenCV's barcode detector takes for barcodes."""
    try:
        ok, boxes = cv2.barcode.BarcodeDetector().detect(gray)
    except cv2.error as exc:
        log.debug("barcode detector failed: %s", exc)
        return []
    if not ok or boxes is None:
        return []
    return list(boxes.reshape(-1, 4, 2).astype(np.float32))


def bar_regions(gray: np.ndarray) -> list[np.ndarray]:
    """Quads (in ``gray``'s pixels) of patches of parallel bars, found by gradient anisotropy in four
    directions (OpenCV's detector misses small and sheared codes): bars make the gradient across them
    much stronger than along them, text does not."""
    side = 800
    small, f = resize_max(gray, side)
    gx = cv2.Scharr(small, cv2.CV_32F, 1, 0)
    gy = cv2.Scharr(small, cv2.CV_32F, 0, 1)
    du, dv = np.abs(gx + gy), np.abs(gx - gy)
    ax, ay = np.abs(gx), np.abs(gy)
    quads: list[np.ndarray] = []
    for across, along, kernel in (
        (ax, ay, (21, 3)),  # vertical bars: close across them (horizontally)
        (ay, ax, (3, 21)),
        (du, dv, None),
        (dv, du, None),
    ):
        diff = cv2.blur(across - along, (9, 9))
        top = float(diff.max())
        if top <= 0:
            continue
        mask = (diff > 0.3 * top).astype(np.uint8) * 255
        k = np.ones((11, 11), np.uint8) if kernel is None else np.ones(kernel[::-1], np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, k)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            rect = cv2.minAreaRect(c)
            w, h = max(rect[1]), min(rect[1])
            # a code's bars are at least ~1/12 of its length; thinner patches are text lines, edges
            if h < 8 or w < 25 or h < 0.08 * w or cv2.contourArea(c) < 0.5 * w * h:
                continue
            quads.append((cv2.boxPoints(rect) / f).astype(np.float32))
    return quads


def distinct(quads: list[np.ndarray], area: float) -> list[np.ndarray]:
    """Regions without near-duplicates (the detectors overlap), larger first, at most MAX_REGIONS."""
    kept: list[np.ndarray] = []
    for quad in sorted(quads, key=lambda q: -cv2.contourArea(q)):
        if cv2.contourArea(quad) > MAX_REGION_SHARE * area:
            continue  # moire or a striped desk, not a code (a code this big is read by the first pass)
        centre, size = quad.mean(axis=0), cv2.contourArea(quad)
        # a duplicate: about the same place AND size (a big loose region must not hide a tight one)
        if all(
            np.linalg.norm(centre - k.mean(axis=0)) > 0.3 * np.sqrt(max(size, 1.0))
            or size < 0.5 * cv2.contourArea(k)
            for k in kept
        ):
            kept.append(quad)
    return kept[:MAX_REGIONS]


def upright(source: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The region cut out of ``source``, bars vertical, padded (quiet zones), zoomed so that a code of
    ~100 modules gets ~3 px per module."""
    m, size = crop_matrix(quad)
    # replicated, not white: a white frame beside a dark photo upsets the local binarizer (the
    # replicated edge can look like bars: reads placed outside the photo are dropped, see barcodes._Reads.add)
    return cv2.warpAffine(source, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def crop_matrix(quad: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine map (source pixels -> crop pixels) and crop size ``upright`` uses for ``quad``."""
    (cx, cy), (bw, bh), ang = cv2.minAreaRect(quad)
    if bw < bh:  # make the long side (across the bars) horizontal
        bw, bh, ang = bh, bw, ang + 90
    bw, bh = bw * 1.4 + 40, max(bh * 1.6, bw * 0.3) + 20
    zoom = max(1.0, min(3.0, 1000 / bw))
    m = cv2.getRotationMatrix2D((cx, cy), ang, zoom)
    m[0, 2] += bw * zoom / 2 - cx
    m[1, 2] += bh * zoom / 2 - cy
    return m, (int(bw * zoom), int(bh * zoom))


def _clahe(gray: np.ndarray) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)


def _sharpen(gray: np.ndarray) -> np.ndarray:
    return cv2.addWeighted(gray, 2.0, cv2.GaussianBlur(gray, (0, 0), 2.0), -1.0, 0)


def _stretch(gray: np.ndarray) -> np.ndarray:
    """Dark photos: the 1st-99th percentile stretched over the full range."""
    lo, hi = np.percentile(gray, (1, 99))
    return cv2.convertScaleAbs(gray, alpha=255 / max(1.0, hi - lo), beta=-lo * 255 / max(1.0, hi - lo))


def crop_passes(crop: np.ndarray) -> Iterator[tuple[np.ndarray, bool]]:
    """(image, fixed threshold?) tries of one upright region, cheapest first."""
    yield crop, False
    yield _sharpen(crop), True
    yield _clahe(crop), False
    if crop.shape[1] < 1400:
        yield _sharpen(cv2.resize(crop, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC)), True


def whole_passes(gray: np.ndarray, full: np.ndarray) -> Iterator[tuple[np.ndarray, bool]]:
    """Last resorts over the whole photo, when nothing at all was read."""
    if full.shape != gray.shape:
        yield full, False
    contrast = _clahe(_stretch(gray))
    yield contrast, False
    for angle in _ROTATIONS:
        yield _rotate(contrast, angle), False
    if max(gray.shape) < 1400:
        yield _sharpen(cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)), True
