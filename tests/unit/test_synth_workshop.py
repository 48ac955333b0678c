"""tests/synth/workshop.py: reproducible photos, every condition drawn, the splits apart."""

from pathlib import Path

from tests.synth.workshop import BARCODE_CONDITIONS, PLATE_CONDITIONS, SPLITS, sample_set


def test_a_sample_is_reproducible_alone(tmp_path: Path) -> None:
    first = sample_set("plates", "tune", 3, tmp_path / "a")
    again = sample_set("plates", "tune", 1, tmp_path / "b", start=2)[0]
    assert first[2].expected == again.expected and first[2].condition == again.condition
    assert first[2].path.read_bytes() == again.path.read_bytes()


def test_conditions_cycle_and_splits_differ(tmp_path: Path) -> None:
    tune = sample_set("barcodes", "tune", 2, tmp_path / "t")
    held = sample_set("barcodes", "heldout", 2, tmp_path / "h")
    assert [s.condition for s in tune] == list(BARCODE_CONDITIONS[:2]) == [s.condition for s in held]
    assert tune[0].expected != held[0].expected
    assert PLATE_CONDITIONS[-1] == "no_plate"
    # the seed ranges never meet, even for a very long tuning run
    assert SPLITS["heldout"] - SPLITS["tune"] > 1_000_000
