"""Deterministic synthetic images for the recognition services (plates, barcodes, negatives).

generate_plate_set(out_dir, n, seed)     -> [(path, expected normalized plate)]
generate_barcode_set(out_dir, n, seed)   -> [(path, expected code)]
generate_negative_set(out_dir, n, seed)  -> [path]   car scenes without plates
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.synth.encoders import ean13_check_digit
from tests.synth.render import (
    car_scene,
    jpeg,
    order_sheet,
    photo_format,
    photograph_sheet,
    random_plate,
    render_plate,
    sheet_scale,
)

__all__ = ["generate_barcode_set", "generate_negative_set", "generate_plate_set", "random_code"]


def generate_plate_set(out_dir: Path | str, n: int, seed: int) -> list[tuple[Path, str]]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    result: list[tuple[Path, str]] = []
    for i in range(n):
        printed, expected = random_plate(rng)
        scene = car_scene(rng, render_plate(rng, printed, px_per_mm=float(rng.uniform(1.5, 3.0))))
        path = out / f"plate_{seed}_{i:03d}.jpg"
        path.write_bytes(jpeg(scene, rng))
        result.append((path, expected))
    return result


def generate_negative_set(out_dir: Path | str, n: int, seed: int) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1_000_003)
    result: list[Path] = []
    for i in range(n):
        scene = car_scene(rng, None)
        path = out / f"negative_{seed}_{i:03d}.jpg"
        path.write_bytes(jpeg(scene, rng))
        result.append(path)
    return result


def random_code(rng: np.random.Generator) -> str:
    """Mostly the dealers' long Code 128 digit strings, sometimes a Belarusian EAN-13."""
    if rng.random() < 0.3:
        body = "481" + "".join(str(d) for d in rng.integers(0, 10, 9))
        return body + ean13_check_digit(body)
    length = int(rng.choice([37, 37, 37, 20, 24, 30]))
    return "".join(str(d) for d in rng.integers(0, 10, length))


def generate_barcode_set(out_dir: Path | str, n: int, seed: int) -> list[tuple[Path, str]]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 7)
    result: list[tuple[Path, str]] = []
    for i in range(n):
        code = random_code(rng)
        long_side, portrait = photo_format(rng)
        # the printed module (in 150 dpi sheet pixels) that gives 1.4-3 photo pixels per module
        module = int(np.ceil(rng.uniform(1.4, 3.0) / sheet_scale(long_side, portrait)))
        photo = photograph_sheet(rng, order_sheet(rng, code, module), long_side, portrait)
        path = out / f"barcode_{seed}_{i:03d}.jpg"
        path.write_bytes(jpeg(photo, rng, 55, 93))
        result.append((path, code))
    return result
