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

Command line: ``python -m services.barcodes FILE...`` prints ``FILE<TAB>CODE1,CODE2`` per file.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable

import cv2
import numpy as np

from services.recognition.barcode_decoders import decoder_names, zbar_reader, zxing_reader
from services.recognition.barcode_regions import (
    bar_regions,
    crop_matrix,
    crop_passes,
    detector_regions,
    distinct,
    upright,
    whole_passes,
)
from services.recognition.errors import RecognitionUnavailable, UnreadableImage
from services.recognition.images import ImageInput, load_bgr, resize_max, run_cli, to_gray

__all__ = ["RecognitionUnavailable", "UnreadableImage", "decode_barcodes"]

log = logging.getLogger(__name__)

WORK_SIDE = 1600  # longer side of the working copy of a photo
BUDGET_S = 0.9  # no new pass starts after this many seconds (the answer is due within 3 s)
EXTRA_BUDGET_S = 0.5  # once a code is read, no new region is started after this many seconds


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
    readers = [zxing_reader() if name == "zxing" else zbar_reader() for name in decoder_names(decoders)]
    start = time.perf_counter()
    full = to_gray(load_bgr(image))
    gray, scale = resize_max(full, WORK_SIDE)
    reads = _Reads()

    def read(img: np.ndarray, fixed: bool) -> list[tuple[str, np.ndarray | None]]:
        return [found for reader in readers for found in reader(img, fixed)]

    reads.add(read(gray, False), lambda q: q, gray.shape)
    for quad in distinct(detector_regions(gray) + bar_regions(gray), gray.size):
        if reads.covers(quad):
            continue
        if reads.codes and time.perf_counter() - start > EXTRA_BUDGET_S:
            break  # a code is read: other regions get a short look only
        if time.perf_counter() - start > BUDGET_S:
            break
        back = cv2.invertAffineTransform(crop_matrix(quad / scale)[0])
        found = _closer_look(full, quad / scale, read)
        reads.add(found, lambda q, b=back: (q @ b[:, :2].T + b[:, 2]) * scale, gray.shape)
    reads.resolve_conflicts()
    if not reads.codes:
        for img, fixed in whole_passes(gray, full):
            if time.perf_counter() - start > BUDGET_S:
                break
            reads.add([(text, None) for text, _ in read(img, fixed)], lambda q: q, gray.shape)
            if reads.codes:
                break
    return reads.codes


def _closer_look(full: np.ndarray, quad: np.ndarray, read: Callable) -> list[tuple[str, np.ndarray | None]]:
    """What the crop passes over ``quad`` (full-resolution pixels) read, from the first pass that reads
    anything."""
    for crop, fixed in crop_passes(upright(full, quad)):
        found = read(crop, fixed)
        if found:
            return found
    return []


def main(argv: list[str] | None = None) -> int:
    return run_cli("barcodes", decode_barcodes, argv)


if __name__ == "__main__":
    raise SystemExit(main())
