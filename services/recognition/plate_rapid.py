"""RapidOCR (PaddleOCR's recognition network on onnxruntime) reading plate candidates.

The recognition network reads lines that ``plates``' own OpenCV detectors cut out (a few ms;
about 20 ms a line for the network). RapidOCR's text detector (0.5-0.75 s of CPU per photo at 960 px)
is the fallback only, for photos where those detectors find no readable plate (moire, heavy dirt,
small plates). The models ship in
the ``rapidocr`` wheel; nothing is downloaded at run time. One engine per process, loaded on first use.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from functools import cache

import cv2
import numpy as np

from services.recognition.errors import RecognitionUnavailable

log = logging.getLogger(__name__)

LINE_HEIGHT = 48  # the network's input height
DETECT_SIDE = 960  # the text detector's input (longer side)


@cache
def _recognizer():  # rapidocr's TextRecognizer, imported lazily
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        from rapidocr import RapidOCR
        from rapidocr.ch_ppocr_rec import TextRecInput
    except ImportError as exc:
        raise RecognitionUnavailable(f"rapidocr / onnxruntime is not installed: {exc}") from exc
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_det": False,
            "Global.use_cls": False,
            # one thread: the process pool is the parallelism, and the bot shares the machine
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Rec.rec_batch_num": 4,
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_SIDE,
        }
    )
    # the networks alone (no public accessor): the full pipeline would upscale and run the detector
    return engine._load_rec_model(), TextRecInput, engine._load_det_model()


def load() -> None:
    """Load the network now (the worker's warm-up); RecognitionUnavailable when it cannot be."""
    _recognizer()


def read_lines(lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence 0-1) for each grey or BGR line image."""
    if not lines:
        return []
    rec, text_rec_input, _ = _recognizer()
    images = [cv2.cvtColor(line, cv2.COLOR_GRAY2BGR) if line.ndim == 2 else line for line in lines]
    out = rec(text_rec_input(img=images))
    texts = list(out.txts or [""] * len(images))
    scores = list(out.scores or [0.0] * len(images))
    with contextlib.suppress(ValueError, TypeError):
        return [(str(t), float(s)) for t, s in zip(texts, scores, strict=True)]
    return [("", 0.0)] * len(images)


def detect(image: np.ndarray) -> list[np.ndarray]:
    """Text-line quads (corner order as cv2.boxPoints) in ``image`` (grey or BGR, at most DETECT_SIDE
    on its longer side)."""
    _, _, det = _recognizer()
    bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
    boxes = det(bgr).boxes
    return [] if boxes is None else [np.float32(b) for b in boxes]
