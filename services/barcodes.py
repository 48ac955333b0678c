"""Barcodes (Code 128, EAN-13 and the other 1D/QR symbologies zbar knows) in phone photos.

``decode_barcodes(image)`` runs a ladder of cheap-to-expensive passes and stops at the first pass that
reads anything: the photo as is (downscaled when huge), rectified crops of the regions OpenCV's barcode
detector finds, full resolution, CLAHE contrast, rotations, thresholds, upscaling. Results are
deduplicated, in the order found.

Command line: ``python -m services.barcodes FILE...`` prints ``FILE<TAB>CODE1,CODE2`` per file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

import cv2
import numpy as np

from services.recognition import (
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
_ROTATIONS = (-20, 20, -40, 40, 60, -60)
_SHORT_FALSE_READS = frozenset({"I25", "DATABAR", "DATABAR_EXP", "CODABAR"})


def _zbar() -> Callable[[np.ndarray], list]:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # pyzbar raises ImportError when libzbar is missing
        raise RecognitionUnavailable(f"zbar is not available: {exc}") from exc
    return pyzbar.decode


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def _rectified_regions(gray: np.ndarray, source: np.ndarray, scale: float) -> Iterator[np.ndarray]:
    """Upright, padded crops (taken from the full-resolution ``source``) of the regions cv2's barcode
    detector proposes on the working copy ``gray`` (``gray = source * scale``)."""
    try:
        ok, boxes = cv2.barcode.BarcodeDetector().detect(gray)
    except cv2.error as exc:
        log.debug("barcode detector failed: %s", exc)
        return
    if not ok or boxes is None:
        return
    for quad in boxes.reshape(-1, 4, 2):
        (cx, cy), (bw, bh), ang = cv2.minAreaRect((quad / scale).astype(np.float32))
        if bw < bh:  # make the long side (across the bars) horizontal
            bw, bh, ang = bh, bw, ang + 90
        bw, bh = bw * 1.5 + 40, max(bh * 1.6, bw * 0.3) + 20
        zoom = max(1.0, min(3.0, 1000 / bw))
        m = cv2.getRotationMatrix2D((cx, cy), ang, zoom)
        m[0, 2] += bw * zoom / 2 - cx
        m[1, 2] += bh * zoom / 2 - cy
        size = (int(bw * zoom), int(bh * zoom))
        yield cv2.warpAffine(source, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def _clahe(gray: np.ndarray) -> np.ndarray:
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)


def _sharpen(gray: np.ndarray) -> np.ndarray:
    return cv2.addWeighted(gray, 2.0, cv2.GaussianBlur(gray, (0, 0), 2.0), -1.0, 0)


def _otsu(gray: np.ndarray) -> np.ndarray:
    return cv2.threshold(cv2.GaussianBlur(gray, (3, 3), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


def _zxing() -> Callable[..., list[str]] | None:
    """zxing-cpp as the second decoder when installed (it reads blurrier, denser codes); optional."""
    if os.environ.get("RECOGNITION_NO_ZXING"):
        return None
    try:
        import zxingcpp
    except ImportError:
        return None

    def decode(gray: np.ndarray, fixed: bool = False) -> list[str]:
        # FixedThreshold (grey 127) reads blurred, sharpened bars the adaptive binarizer breaks up
        options = {"binarizer": zxingcpp.Binarizer.FixedThreshold} if fixed else {}
        return [r.text for r in zxingcpp.read_barcodes(gray, **options) if r.valid and r.text]

    return decode


def _passes(original: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """(decoder, image) pairs, cheapest and most likely first."""
    gray_full = to_gray(original)
    gray, scale = resize_max(gray_full, WORK_SIDE)
    yield "zbar", gray
    crops = list(_rectified_regions(gray, gray_full, scale))
    for crop in crops:
        yield "zbar", crop
        yield "zbar", _sharpen(crop)
        yield "zbar", _clahe(crop)
        yield "zbar", _otsu(crop)
    if scale < 1.0:
        yield "zbar", gray_full
    for crop in crops:
        yield "zxing", crop
    yield "zxing", gray_full
    contrast = _clahe(gray)
    yield "zbar", contrast
    for angle in _ROTATIONS:
        yield "zbar", _rotate(gray, angle)
    yield "zbar", _otsu(gray)
    yield "zbar", cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 10)
    yield "zbar", _sharpen(gray)
    for crop in crops:
        yield "zxing", _sharpen(crop)
    if max(gray.shape) < 1200:
        big = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        yield "zbar", big
        yield "zbar", _clahe(big)
    for angle in _ROTATIONS:
        yield "zbar", _rotate(contrast, angle)
    yield "zxing", contrast
    # last resort for blurred, small modules: upscaled + sharpened, read at a fixed threshold
    for crop in crops:
        yield "zxing_fixed", _sharpen(crop)
    big = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    yield "zxing_fixed", _sharpen(big)


def decode_barcodes(image: ImageInput) -> list[str]:
    """Every barcode readable in the photo, deduplicated, in the order found; [] when none.

    Raises RecognitionUnavailable when libzbar is missing, UnreadableImage for non-images.
    """
    zbar = _zbar()
    zxing = _zxing()
    original = load_bgr(image)
    for decoder, candidate in _passes(original):
        found: list[str] = []
        if decoder == "zbar":
            texts = []
            for symbol in zbar(candidate):
                text = _text(symbol.data)
                if symbol.type in _SHORT_FALSE_READS and len(text) < 10:
                    continue  # zbar's classic partial reads of a blurred Code 128 / 2-of-5
                texts.append(text)
        elif zxing is not None:
            texts = zxing(candidate, fixed=decoder == "zxing_fixed")
        else:
            continue
        for text in texts:
            if text and text not in found:
                found.append(text)
        if found:
            return found
    return []


def main(argv: list[str] | None = None) -> int:
    return run_cli("barcodes", decode_barcodes, argv)


if __name__ == "__main__":
    raise SystemExit(main())
