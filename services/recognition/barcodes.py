"""Barcodes (Code 128, EAN-13 and the other 1D / QR symbologies) in phone photos of order sheets.

``decode_barcodes(image)`` returns EVERY code on the sheet (a dealer's Code 128 and a supplier's
EAN-13 are often printed together), within a time budget:

1. zxing-cpp on the working copy (longer side <= 1600 px; it tries 90-degree turns, inversion and
   downscales itself);
2. regions that look like barcodes, from OpenCV's detector and our own (patches of parallel bars: the
   gradient across them much stronger than along them), skipping those where a code was already read:
   each is cut out of the full-resolution photo, turned upright, zoomed to ~3 px per module and read
   again: as is, sharpened at a fixed threshold, CLAHE contrast, upscaled (first pass that reads wins);
3. two different codes read at one place are one symbol read two ways: the partial read is dropped;
4. only when nothing at all was read: the whole photo at full resolution, contrast-stretched, turned
   by +-20 / +-40 degrees (1D readers scan rows), upscaled.

No new region is started after EXTRA_BUDGET_S once a code is read, no new pass after BUDGET_S.
pyzbar is an optional second decoder (``RECOGNITION_DECODERS=both``, or ``zbar`` alone): on the
workshop photos it read nothing zxing-cpp missed and added false EAN-13 reads (see README), so the
default is zxing-cpp alone.

Command line: ``python -m services.recognition.barcodes FILE...`` prints ``FILE<TAB>CODE1,CODE2`` per file.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator

import cv2
import numpy as np

from services.recognition.images import (
    ImageInput,
    RecognitionUnavailable,
    UnreadableImage,
    load_bgr,
    resize_max,
    run_cli,
    to_gray,
)

__all__ = ["RecognitionUnavailable", "UnreadableImage", "decode_barcodes"]

log = logging.getLogger(__name__)

WORK_SIDE = 1600  # longer side of the working copy of a photo
BUDGET_S = 0.9  # no new pass starts after this many seconds (the answer is due within 3 s)
EXTRA_BUDGET_S = 0.5  # once a code is read, no new region is started after this many seconds
MAX_REGIONS = 8
MAX_REGION_SHARE = 0.25  # of the photo's area
DECODERS = ("zxing", "zbar", "both")
DEFAULT_DECODERS = "zxing"
_ROTATIONS = (-20, 20, -40, 40)
_SHORT_FALSE_READS = frozenset({"I25", "DATABAR", "DATABAR_EXP", "CODABAR"})


def decoder_names(choice: str = "") -> list[str]:
    """The decoders to run: the argument, else $RECOGNITION_DECODERS, else DEFAULT_DECODERS."""
    name = (choice or os.environ.get("RECOGNITION_DECODERS", "") or DEFAULT_DECODERS).strip().lower()
    if name not in DECODERS:
        raise RecognitionUnavailable(f"unknown barcode decoders {name!r} (choose {', '.join(DECODERS)})")
    return ["zxing", "zbar"] if name == "both" else [name]


def _zxing() -> Callable[..., list[tuple[str, np.ndarray | None]]]:
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


def _zbar() -> Callable[..., list[tuple[str, np.ndarray | None]]]:
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


# ------------------------------------------------------------------------------------------ images


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def _regions(gray: np.ndarray) -> list[np.ndarray]:
    """Quads (in ``gray``'s pixels) that OpenCV's barcode detector takes for barcodes."""
    try:
        ok, boxes = cv2.barcode.BarcodeDetector().detect(gray)
    except cv2.error as exc:
        log.debug("barcode detector failed: %s", exc)
        return []
    if not ok or boxes is None:
        return []
    return list(boxes.reshape(-1, 4, 2).astype(np.float32))


def _bar_regions(gray: np.ndarray) -> list[np.ndarray]:
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


def _distinct(quads: list[np.ndarray], area: float) -> list[np.ndarray]:
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


def _upright(source: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The region cut out of ``source``, bars vertical, padded (quiet zones), zoomed so that a code of
    ~100 modules gets ~3 px per module."""
    m, size = _crop_matrix(quad)
    # replicated, not white: a white frame beside a dark photo upsets the local binarizer (the
    # replicated edge can look like bars: reads placed outside the photo are dropped, see _Reads.add)
    return cv2.warpAffine(source, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def _crop_matrix(quad: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine map (source pixels -> crop pixels) and crop size ``_upright`` uses for ``quad``."""
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


def _crop_passes(crop: np.ndarray) -> Iterator[tuple[np.ndarray, bool]]:
    """(image, fixed threshold?) tries of one upright region, cheapest first."""
    yield crop, False
    yield _sharpen(crop), True
    yield _clahe(crop), False
    if crop.shape[1] < 1400:
        yield _sharpen(cv2.resize(crop, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC)), True


def _whole_passes(gray: np.ndarray, full: np.ndarray) -> Iterator[tuple[np.ndarray, bool]]:
    """Last resorts over the whole photo, when nothing at all was read."""
    if full.shape != gray.shape:
        yield full, False
    contrast = _clahe(_stretch(gray))
    yield contrast, False
    for angle in _ROTATIONS:
        yield _rotate(contrast, angle), False
    if max(gray.shape) < 1400:
        yield _sharpen(cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)), True


# --------------------------------------------------------------------------------------------- API


class _Reads:
    """Codes found so far, in the order found, with where (a quad in working-copy pixels) each was."""

    def __init__(self) -> None:
        self.found: list[tuple[str, np.ndarray | None]] = []

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(text for text, _ in self.found))

    def add(
        self,
        found: list[tuple[str, np.ndarray | None]],
        to_work: Callable[[np.ndarray], np.ndarray],
        shape: tuple[int, ...],
    ) -> None:
        """``to_work`` maps a quad of the image read to working-copy pixels (of ``shape``); whole-photo
        passes that turn or scale the photo give none (their reads have no place). A read outside the
        photo (a crop's padding) is no read."""
        for text, quad in found:
            place = None if quad is None else to_work(quad)
            centre = None if place is None else place.mean(axis=0)
            if centre is not None and not (0 <= centre[0] < shape[1] and 0 <= centre[1] < shape[0]):
                log.debug("read %s outside the photo dropped", text)
                continue
            self.found.append((text, place))

    def covers(self, quad: np.ndarray) -> bool:
        centre = quad.mean(axis=0)
        return any(q is not None and _near(q, centre) for _, q in self.found)

    def resolve_conflicts(self) -> None:
        """Two different codes read at one place are one symbol read two ways: a partial scan line
        of a long Code 128, or the edge row of a skewed EAN-13, can pass a check digit. The read that
        spans less of the symbol goes (shorter, or else read on fewer rows); when they span the
        same, neither is trusted."""
        drop: set[int] = set()
        for (i, (ta, qa)), (j, (tb, qb)) in itertools.combinations(enumerate(self.found), 2):
            if ta == tb or qa is None or qb is None:
                continue
            if not (_near(qa, qb.mean(axis=0)) or _near(qb, qa.mean(axis=0))):
                continue
            (la, ha), (lb, hb) = _extent(qa), _extent(qb)
            if la < 0.8 * lb or (la < 1.25 * lb and ha < 0.5 * hb):
                drop.add(i)
            elif lb < 0.8 * la or (lb < 1.25 * la and hb < 0.5 * ha):
                drop.add(j)
            else:
                drop.update((i, j))
        if drop:
            log.debug("conflicting reads dropped: %s", [self.found[i][0] for i in sorted(drop)])
            gone = {self.found[i][0] for i in drop}
            self.found = [(t, q) for t, q in self.found if t not in gone]


def _extent(quad: np.ndarray) -> tuple[float, float]:
    """(length across the bars, height along them) of a read's quad."""
    return float(np.linalg.norm(quad[1] - quad[0])), float(np.linalg.norm(quad[3] - quad[0]))


def _near(quad: np.ndarray, point: np.ndarray) -> bool:
    """``point`` lies on the symbol read at ``quad`` or just beside it (scan-line quads are thin)."""
    margin = float(np.clip(0.25 * np.linalg.norm(quad[1] - quad[0]), 15, 40))
    return cv2.pointPolygonTest(quad.astype(np.float32), (float(point[0]), float(point[1])), True) > -margin


def decode_barcodes(image: ImageInput, decoders: str = "") -> list[str]:
    """Every barcode readable in the photo, deduplicated, in the order found; [] when none.

    ``decoders``: "zxing", "zbar" or "both" ("" = $RECOGNITION_DECODERS or DEFAULT_DECODERS).
    Raises RecognitionUnavailable when the decoder is missing, UnreadableImage for non-images.
    """
    readers = [_zxing() if name == "zxing" else _zbar() for name in decoder_names(decoders)]
    start = time.perf_counter()
    full = to_gray(load_bgr(image))
    gray, scale = resize_max(full, WORK_SIDE)
    reads = _Reads()

    def read(img: np.ndarray, fixed: bool) -> list[tuple[str, np.ndarray | None]]:
        return [found for reader in readers for found in reader(img, fixed)]

    reads.add(read(gray, False), lambda q: q, gray.shape)
    for quad in _distinct(_regions(gray) + _bar_regions(gray), gray.size):
        if reads.covers(quad):
            continue
        if reads.codes and time.perf_counter() - start > EXTRA_BUDGET_S:
            break  # a code is read: other regions get a short look only
        if time.perf_counter() - start > BUDGET_S:
            break
        back = cv2.invertAffineTransform(_crop_matrix(quad / scale)[0])
        found = _closer_look(full, quad / scale, read)
        reads.add(found, lambda q, b=back: (q @ b[:, :2].T + b[:, 2]) * scale, gray.shape)
    reads.resolve_conflicts()
    if not reads.codes:
        for img, fixed in _whole_passes(gray, full):
            if time.perf_counter() - start > BUDGET_S:
                break
            reads.add([(text, None) for text, _ in read(img, fixed)], lambda q: q, gray.shape)
            if reads.codes:
                break
    return reads.codes


def _closer_look(full: np.ndarray, quad: np.ndarray, read: Callable) -> list[tuple[str, np.ndarray | None]]:
    """What the crop passes over ``quad`` (full-resolution pixels) read, from the first pass that reads
    anything."""
    for crop, fixed in _crop_passes(_upright(full, quad)):
        found = read(crop, fixed)
        if found:
            return found
    return []


def main(argv: list[str] | None = None) -> int:
    return run_cli("barcodes", decode_barcodes, argv)


if __name__ == "__main__":
    raise SystemExit(main())
