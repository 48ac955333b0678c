"""Accuracy, speed and memory of the plate and barcode readers, per split and per condition.

    .venv/bin/python -m bench.recognition [--split tune|heldout|both] [--plates 52] [--barcodes 44]
        [--engines rapidocr,tesseract] [--decoders zxing,zbar,both] [--photos DIR] [-v]

The photos come from ``tests/synth/workshop.py``: the "tune" split is what the readers were tuned on,
the "heldout" split (other typefaces, wider condition parameters, its own seed range) only reports.
``--split legacy``: the repository's earlier generator (tests/synth/render.py), a set drawn by other
code (a quarter of the plate photos there have no plate).
Every reader runs in ONE spawned worker process, as in the bot (loaded once, one thread); the seconds
are measured inside it, wall clock and CPU (the CPU time does not grow when other programs share the
machine), and its peak resident memory is printed at the end. The load average is printed too.

Plates: right = the expected plate first; false = any other plate first, or any plate on a photo
without one (the worst outcome: the employee lands in someone else's order). Barcodes: full = every
code on the sheet returned; false = any code that is not on the sheet.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.synth.workshop import Sample, sample_set  # noqa: E402

LEGACY_SEED = 9001


def _job(kind: str, option: str, path: str) -> tuple[list[str], float, float]:
    """Run in the worker: one photo through one reader; (result, wall seconds, CPU seconds)."""
    import os

    os.environ["RECOGNITION_DECODERS" if kind == "barcodes" else "OCR_ENGINE"] = option
    if kind == "plates":
        from services.recognition.plates import read_plates as reader
    else:
        from services.recognition.barcodes import decode_barcodes as reader
    from services.recognition.worker import _malloc_trim

    start, cpu = time.perf_counter(), time.process_time()
    found = reader(Path(path))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if (trim := _malloc_trim()) is not None:
        trim(0)  # as the bot's worker does after each photo (services.recognition.worker._guarded)
    return found, seconds, cpu


def _samples(kind: str, split: str, count: int, root: Path) -> list[Sample]:
    """The split's first ``count`` photos, generated once and listed in a manifest beside them."""
    folder = root / kind / split
    manifest = folder / f"manifest-{count}.json"
    if manifest.is_file():
        rows = json.loads(manifest.read_text(encoding="utf-8"))
        return [Sample(Path(p), tuple(e), c) for p, e, c in rows]
    legacy = split == "legacy"
    samples = _legacy(kind, count, folder) if legacy else sample_set(kind, split, count, folder)
    rows = [[str(s.path), list(s.expected), s.condition] for s in samples]
    manifest.write_text(json.dumps(rows), encoding="utf-8")
    return samples


def _legacy(kind: str, count: int, folder: Path) -> list[Sample]:
    """The repository's earlier generator (tests/synth/render.py, seed 9001), which the earlier readers
    were tuned on and the current ones were not: a second set drawn by other code."""
    from tests.synth import generate_barcode_set, generate_negative_set, generate_plate_set

    if kind == "barcodes":
        return [Sample(p, (code,), "legacy") for p, code in generate_barcode_set(folder, count, LEGACY_SEED)]
    plates = generate_plate_set(folder, count - count // 4, LEGACY_SEED)
    negatives = generate_negative_set(folder, count // 4, LEGACY_SEED)
    return [Sample(p, (e,), "legacy") for p, e in plates] + [
        Sample(p, (), "legacy_no_plate") for p in negatives
    ]


def _memory_mb() -> tuple[float, float]:
    """(peak, current) resident memory of this process in MB. /proc's VmHWM, not ru_maxrss: the latter
    keeps the peak of the parent that forked this worker before it exec'd Python (Linux)."""
    status = Path("/proc/self/status")
    if not status.is_file():
        return float("nan"), float("nan")
    fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def _warm(kind: str, option: str) -> None:
    import os

    os.environ["RECOGNITION_DECODERS" if kind == "barcodes" else "OCR_ENGINE"] = option
    from services.recognition import barcodes, plates  # noqa: F401 - what the bot's worker imports at warm-up

    if kind == "plates" and option == "rapidocr":
        from services.recognition import plate_rapid

        plate_rapid.load()


def _verdict(kind: str, sample: Sample, found: list[str]) -> str:
    if kind == "plates":
        if not found:
            return "miss" if sample.expected else "right"
        return "right" if found[0] in sample.expected[:1] else "false"
    if any(code not in sample.expected for code in found):
        return "false"
    return "right" if set(sample.expected) <= set(found) else "miss"


def _report(
    kind: str, option: str, split: str, rows: list[tuple[Sample, list[str], float, float]], verbose: bool
) -> None:
    by_condition: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for sample, found, seconds, cpu in rows:
        verdict = _verdict(kind, sample, found)
        by_condition[sample.condition].append((verdict, seconds, cpu))
        if verbose and verdict != "right":
            print(f"    {verdict}: {sample.path.name} expected {list(sample.expected)} got {found}")
    print(
        f"  {kind} / {option} / {split}: {'right' if kind == 'plates' else 'full'}, false, median s wall, CPU"
    )
    for condition, results in [
        *sorted(by_condition.items()),
        ("ALL", [r for v in by_condition.values() for r in v]),
    ]:
        right = sum(r[0] == "right" for r in results)
        false = sum(r[0] == "false" for r in results)
        wall, cpu = statistics.median(r[1] for r in results), statistics.median(r[2] for r in results)
        print(f"    {condition:16} {right:3}/{len(results):<3} false {false:2}   {wall:.3f}  {cpu:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["tune", "heldout", "both", "legacy"], default="both")
    parser.add_argument("--plates", type=int, default=52, help="plate photos per split (13 conditions)")
    parser.add_argument("--barcodes", type=int, default=44, help="sheet photos per split (11 conditions)")
    parser.add_argument("--engines", default="rapidocr,tesseract", help="plate engines, comma-separated")
    parser.add_argument("--decoders", default="zxing,zbar,both", help="barcode decoders, comma-separated")
    parser.add_argument("--photos", type=Path, default=Path(".bench-photos"), help="generated photos (kept)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss and false read")
    args = parser.parse_args()
    if hasattr(os, "getloadavg"):
        print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    splits = ["tune", "heldout"] if args.split == "both" else [args.split]
    context = multiprocessing.get_context("spawn")
    for kind, count, options in (
        ("plates", args.plates, args.engines),
        ("barcodes", args.barcodes, args.decoders),
    ):
        for option in [o for o in options.split(",") if o] if count else []:
            with ProcessPoolExecutor(1, mp_context=context) as worker:  # one reader, loaded once
                worker.submit(_warm, kind, option).result()
                for split in splits:
                    samples = _samples(kind, split, count, args.photos)
                    rows = [(s, *worker.submit(_job, kind, option, str(s.path)).result()) for s in samples]
                    _report(kind, option, split, rows, args.verbose)
                peak, now = worker.submit(_memory_mb).result()
                print(f"  {kind} / {option}: worker resident memory {now:.0f} MB, peak {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
