"""Belarusian licence plates (``1234 AB-7`` and ``AB 1234-7``) in photos of cars.

``read_plates(image, engine=..., known=...)``, engine "rapidocr" (default, see README for why) or
"tesseract" (``$OCR_ENGINE`` when not given). The steps, each in its own module:

1. ``plate_candidates``: candidate regions on a working copy (longer side <= 1280 px) from two
   independent detectors, each warped upright, its character row found, deskewed and cut out;
2. ``plate_rapid`` (RapidOCR) or ``plate_tesseract`` reads the rows;
3. ``plate_rules``: each read is matched against both layouts, look-alikes repaired by position and
   priced, and the reads vote (``decide``): a plate needs one nearly clean read, and a leader with a
   close rival one or two characters away gives no answer rather than a wrong one, unless exactly one
   of them is an open order's plate (``known``).

Command line: ``python -m services.plates FILE...`` prints ``FILE<TAB>PLATE1,PLATE2`` per file.
"""

from __future__ import annotations

import os
from collections.abc import Collection

from services.recognition import plate_rapid, plate_tesseract
from services.recognition.errors import RecognitionUnavailable, UnreadableImage
from services.recognition.images import ImageInput, load_bgr, resize_max, run_cli, to_gray

__all__ = ["RecognitionUnavailable", "UnreadableImage", "read_plates"]

ENGINES = ("rapidocr", "tesseract")
DEFAULT_ENGINE = "rapidocr"  # measured better on every condition (bench/recognition.py, README)
WORK_SIDE = 1280


def engine_name(engine: str = "") -> str:
    """The OCR engine to use: the argument, else $OCR_ENGINE, else DEFAULT_ENGINE."""
    name = (engine or os.environ.get("OCR_ENGINE", "") or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise RecognitionUnavailable(f"unknown OCR engine {name!r} (choose {' or '.join(ENGINES)})")
    return name


def read_plates(
    image: ImageInput, tesseract_cmd: str = "", engine: str = "", known: Collection[str] = ()
) -> list[str]:
    """Plates read in the photo, normalized (``0434MH1``), best first; [] when none.

    ``engine``: "rapidocr" or "tesseract" ("" = $OCR_ENGINE or DEFAULT_ENGINE). ``known``: the open
    orders' normalized plates, preferred when the reads are close (see ``plate_rules.decide``).
    Raises RecognitionUnavailable when the engine is missing, UnreadableImage for non-images.
    """
    name = engine_name(engine)
    if name == "rapidocr":
        plate_rapid.load()
    else:
        plate_tesseract.load_tesseract()
    gray, _ = resize_max(to_gray(load_bgr(image)), WORK_SIDE)
    known = frozenset(known)
    if name == "rapidocr":
        return plate_rapid.read(gray, known)
    return plate_tesseract.read(gray, tesseract_cmd, known)


def main(argv: list[str] | None = None) -> int:
    return run_cli("plates", read_plates, argv)


if __name__ == "__main__":
    raise SystemExit(main())
