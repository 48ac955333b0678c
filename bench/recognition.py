"""Accuracy and speed of the recognition services on fresh synthetic sets.

    .venv/bin/python -m bench.recognition [--seed N] [--plates 60] [--barcodes 60] [--negatives 20]
                                          [--no-zxing] [-v]

Plates: right plate first; false plates: any plate on a negative or a wrong first plate (share of all
plate + negative images). Barcodes: expected code among the results. Seconds per image: median, p90.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.barcodes import decode_barcodes  # noqa: E402
from services.plates import read_plates  # noqa: E402
from tests.synth import generate_barcode_set, generate_negative_set, generate_plate_set  # noqa: E402


def _timed(func, path: Path) -> tuple[list[str], float]:
    start = time.perf_counter()
    result = func(path)
    return result, time.perf_counter() - start


def _p90(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.9 * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--plates", type=int, default=60)
    parser.add_argument("--barcodes", type=int, default=60)
    parser.add_argument("--negatives", type=int, default=20)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    parser.add_argument("--no-zxing", action="store_true", help="pyzbar alone (as without zxing-cpp)")
    args = parser.parse_args()
    if args.no_zxing:
        os.environ["RECOGNITION_NO_ZXING"] = "1"  # read per call by services.barcodes
    print(f"seed {args.seed}" + ("  (no zxing)" if args.no_zxing else ""))
    with tempfile.TemporaryDirectory(prefix="recognition-bench-") as tmp:
        out = Path(tmp)
        plates = generate_plate_set(out / "plates", args.plates, args.seed)
        negatives = generate_negative_set(out / "negatives", args.negatives, args.seed)
        codes = generate_barcode_set(out / "barcodes", args.barcodes, args.seed)

        right = wrong = 0
        times: list[float] = []
        for path, expected in plates:
            found, seconds = _timed(read_plates, path)
            times.append(seconds)
            right += bool(found) and found[0] == expected
            wrong += bool(found) and found[0] != expected
            if args.verbose and (not found or found[0] != expected):
                print(f"  plate miss {path.name}: expected {expected}, got {found}")
        false_neg = 0
        for path in negatives:
            found, seconds = _timed(read_plates, path)
            times.append(seconds)
            false_neg += bool(found)
            if args.verbose and found:
                print(f"  false plate {path.name}: {found}")
        n_plate_imgs = max(1, len(plates) + len(negatives))
        if times:
            print(
                f"plates:   right first {right}/{len(plates)} = {100 * right / max(1, len(plates)):.1f}%  "
                f"false plates {wrong + false_neg}/{n_plate_imgs} = "
                f"{100 * (wrong + false_neg) / n_plate_imgs:.1f}% "
                f"(wrong first {wrong}, on negatives {false_neg})  "
                f"s/image median {statistics.median(times):.3f} p90 {_p90(times):.3f}"
            )

        hits = 0
        times = []
        for path, expected in codes:
            found, seconds = _timed(decode_barcodes, path)
            times.append(seconds)
            hits += expected in found
            if args.verbose and expected not in found:
                print(f"  barcode miss {path.name}: expected {expected}, got {found}")
        if codes:
            print(
                f"barcodes: found {hits}/{len(codes)} = {100 * hits / len(codes):.1f}%  "
                f"s/image median {statistics.median(times):.3f} p90 {_p90(times):.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
