import subprocess
import sys
from pathlib import Path

import pytest

from services.plates import _match, _rank, read_plates
from services.recognition import UnreadableImage
from tests.synth import generate_negative_set, generate_plate_set

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plates(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    return generate_plate_set(tmp_path_factory.mktemp("plates"), 4, seed=202)


def test_layout_matching_repairs_lookalikes() -> None:
    assert _match("1234AB7")[0] == ("1234AB7", 0)
    assert _match("AB12347")[0] == ("AB12347", 0)
    assert _match("O434MH1")[0] == ("0434MH1", 0.2)  # O/0: the same shape, a cheap repair
    assert ("0434MH1", 0.3) in _match("I0434MH1")  # the border read as a character
    assert _match("3752961") == [("ET52961", 2.0)]  # 3->E and 7->T are real changes...
    assert _match("12345") == []
    assert _match("1234AB9") == []  # region digit is 1-7


def test_ranking_needs_one_good_read() -> None:
    assert _rank([("3752961", 0.0, 7), ("37529611", 0.0, 8)]) == []  # ...a phone number is no plate
    assert _rank([("1234AB7", 0.0, 7), ("1234AB7", 0.0, 7), ("1284AB7", 0.0, 7)]) == ["1234AB7", "1284AB7"]


def test_reads_synthetic_cars(plates: list[tuple[Path, str]]) -> None:
    right = sum(
        bool(found) and found[0] == expected for path, expected in plates for found in [read_plates(path)]
    )
    assert right >= len(plates) - 1


def test_no_plate_no_result(tmp_path: Path) -> None:
    for path in generate_negative_set(tmp_path, 2, seed=203):
        assert read_plates(path) == []
    with pytest.raises(UnreadableImage):
        read_plates(b"\x00\x01")


def test_cli_format(plates: list[tuple[Path, str]], tmp_path: Path) -> None:
    path, expected = plates[0]
    missing = tmp_path / "missing.jpg"
    proc = subprocess.run(
        [sys.executable, "-m", "services.plates", str(path), str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    name, result = lines[0].split("\t")
    assert name == str(path)
    assert expected in result.split(",")
    assert lines[1] == f"{missing}\t"
    assert "missing" in proc.stderr
