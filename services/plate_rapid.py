"""RapidOCR (PaddleOCR's recognition network on onnxruntime) reading plate candidates.

Only the recognition network runs: the text detector of RapidOCR costs 0.35-0.55 s per photo on one
core, so the plate regions come from ``services.plates``' own OpenCV detectors (a few ms), and each
region, warped upright, is one line for the network (about 20 ms each, in batches). The models ship in
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

from services.recognition_errors import RecognitionUnavailable

log = logging.getLogger(__name__)

LINE_HEIGHT = 48  # the network's input height


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
        }
    )
    rec = engine._load_rec_model()  # the recognition network alone (no public accessor)
    return rec, TextRecInput


def load() -> None:
    """Load the network now (the worker's warm-up); RecognitionUnavailable when it cannot be."""
    _recognizer()


def read_lines(lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence 0-1) for each grey or BGR line image."""
    if not lines:
        return []
    rec, text_rec_input = _recognizer()
    images = [cv2.cvtColor(line, cv2.COLOR_GRAY2BGR) if line.ndim == 2 else line for line in lines]
    out = rec(text_rec_input(img=images))
    texts = list(out.txts or [""] * len(images))
    scores = list(out.scores or [0.0] * len(images))
    with contextlib.suppress(ValueError, TypeError):
        return [(str(t), float(s)) for t, s in zip(texts, scores, strict=True)]
    return [("", 0.0)] * len(images)
