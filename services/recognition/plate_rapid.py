"""Plates read by RapidOCR (PaddleOCR's recognition network on onnxruntime), the default engine.

The recognition network reads the lines ``plate_candidates`` cuts out (a few ms; about 20 ms a line for
the network), lazily, 7-glyph rows of plate-shaped quads first, in small batches, until one read is sure.
RapidOCR's text detector (0.5-0.75 s of CPU per photo at 960 px) is the fallback only, for photos where
those detectors find no readable plate (moire, heavy dirt, small plates). Each read is matched against
both layouts using the gaps the network keeps (``plate_rules.match_rapid_read``). The models ship in
the ``rapidocr`` wheel; nothing is downloaded at run time. One engine per process, loaded on first use.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections.abc import Collection, Iterator, Sequence
from functools import cache

import cv2
import numpy as np

from services.recognition.errors import RecognitionUnavailable
from services.recognition.images import resize_max
from services.recognition.plate_candidates import (
    Row,
    bright_quads,
    distinct_rows,
    order_quad,
    pad_quad,
    plate_likeness,
    rect_quad,
    text_regions,
    warp,
)
from services.recognition.plate_rules import RAPID_MIN_READ, decide, rapid_score

log = logging.getLogger(__name__)

LINE_HEIGHT = 48  # the network's input height
DETECT_SIDE = 960  # the text detector's input (longer side)
# candidate lines per photo, lines per network call, a read that ends the search early
RAPID_MAX_LINES = 12
RAPID_BATCH = 4
RAPID_SURE = 0.93


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


def _line_stream(gray: np.ndarray) -> Iterator[np.ndarray]:
    """Lines for the network, lazily and the likeliest first, so that a sure read early spares the
    rest: 7-glyph rows the glyph finder cuts out of plate-shaped bright quads (deskewed, without frame
    adverts or the flag), then out of rows of dark text; then the other rows, best glyph count first;
    then the three most plate-like quads as they are."""
    deferred: list[Row] = []
    bright = sorted(bright_quads(gray), key=plate_likeness)
    detectors = (lambda: bright, lambda: text_regions(gray))
    for row in distinct_rows(gray, itertools.chain.from_iterable(d() for d in detectors)):
        if row.glyphs == 7:
            yield row.image
        else:
            deferred.append(row)
    yield from (r.image for r in sorted(deferred, key=lambda r: abs(r.glyphs - 7)))
    for quad in bright[:3]:
        yield warp(gray, pad_quad(quad, 0.03, 0.12), LINE_HEIGHT)


def read(gray: np.ndarray, known: Collection[str]) -> list[str]:
    """Plates in ``gray`` (the working copy), best first: candidate lines in small batches until one
    read is sure (RAPID_SURE); when none gives a plate, the text detector's lines (the slow fallback)."""
    score: dict[str, float] = {}
    best: dict[str, float] = {}

    def tally(lines: Sequence[np.ndarray]) -> None:
        for text, conf in read_lines(lines):
            for plate, s in rapid_score(text, conf):
                score[plate] = score.get(plate, 0.0) + max(s, 0.05)
                best[plate] = max(best.get(plate, -9.0), s)

    batch: list[np.ndarray] = []
    size = 2  # the first call is small: two rows of a clear plate are often enough
    lines = itertools.islice(_line_stream(gray), RAPID_MAX_LINES)
    for line in itertools.chain(lines, [None]):
        if line is not None:
            batch.append(line)
            if len(batch) < size:
                continue
        tally(batch)
        batch, size = [], RAPID_BATCH
        if best and max(best.values()) >= RAPID_SURE:
            break  # a clean, confident read: the rest of the candidates are adverts and grilles
    if not best or max(best.values()) < RAPID_MIN_READ:
        tally(_detected_lines(gray))
    log.debug("rapid reads: %s", best)
    return decide(score, best, RAPID_MIN_READ, known)


def _joined(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Neighbours on one line joined (the detector splits a plate at its wide gap: "8975" "IH-3")."""
    joined = []
    for a, b in itertools.permutations(quads, 2):
        ha, hb = np.linalg.norm(a[3] - a[0]), np.linalg.norm(b[3] - b[0])
        gap = b[0] - a[1]
        if abs(ha - hb) < 0.3 * ha and abs(gap[1]) < 0.5 * ha and -0.2 * ha < gap[0] < 1.5 * ha:
            joined.append(rect_quad(cv2.minAreaRect(np.vstack([a, b])), 1.0, 1.0))
    return joined


def _detected_lines(gray: np.ndarray) -> list[np.ndarray]:
    """The fallback: lines RapidOCR's text detector finds, plate-shaped ones first."""
    small, scale = resize_max(gray, DETECT_SIDE)
    quads = [order_quad(q) / scale for q in detect(small)]
    quads += _joined(quads)
    quads = [q for q in quads if plate_likeness(q) < 1.2]  # aspect 1.4-15: lines, not blobs
    quads.sort(key=plate_likeness)
    return [warp(gray, pad_quad(q, 0.03, 0.1), LINE_HEIGHT) for q in quads[:RAPID_MAX_LINES]]
