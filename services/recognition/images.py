"""Shared plumbing of the recognition services (barcodes, plates): errors, image loading, CLI.

Pure functions only: bytes or paths in, plain values out, no module state besides OpenCV's thread
limit, so they are safe to call from ``asyncio.to_thread`` or a process pool.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from services.recognition.errors import RecognitionUnavailable, UnreadableImage

log = logging.getLogger(__name__)

# Recognition runs next to the bot on a small machine: one thread per call, parallelism comes from the
# caller's pool. Tesseract (an OpenMP program) inherits OMP_THREAD_LIMIT from our environment.
cv2.setNumThreads(1)
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

ImageInput = bytes | bytearray | memoryview | Path | str


def read_bytes(image: ImageInput) -> bytes:
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image)
    try:
        return Path(image).read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"cannot read {image}: {exc}") from exc


def load_bgr(image: ImageInput) -> np.ndarray:
    """Decode to a BGR uint8 array (EXIF orientation applied); UnreadableImage when not an image."""
    data = read_bytes(image)
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if arr is None or arr.size == 0:
        raise UnreadableImage("not a decodable image")
    return arr


def to_gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def resize_max(img: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most ``max_side``; returns (image, scale applied)."""
    h, w = img.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return img, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA), scale


def run_cli(name: str, func: Callable[[Path], list[str]], argv: Sequence[str] | None = None) -> int:
    """``FILE<TAB>R1,R2`` per file on stdout, everything else on stderr; always exit status 0."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=f"{name}: %(message)s")
    files = list(sys.argv[1:] if argv is None else argv)
    if not files:
        print(f"usage: python -m services.{name} FILE...", file=sys.stderr)
    for file in files:
        try:
            found = func(Path(file))
        except (UnreadableImage, RecognitionUnavailable) as exc:
            print(f"{file}: {exc}", file=sys.stderr)
            found = []
        except Exception as exc:
            print(f"{file}: {type(exc).__name__}: {exc}", file=sys.stderr)
            found = []
        print(f"{file}\t{','.join(found)}", flush=True)
    return 0
