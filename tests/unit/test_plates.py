from pathlib import Path

import pytest

from services.recognition.errors import RecognitionUnavailable, UnreadableImage
from services.recognition.plate_rules import (
    RAPID_MIN_READ,
    decide,
    match_rapid_read,
    match_read,
    rank,
    rapid_score,
)
from services.recognition.plates import engine_name, read_plates
from tests.synth import generate_negative_set, generate_plate_set
from tests.synth.workshop import sample_set
from tests.unit.reader_cli import run_reader


@pytest.fixture(scope="module")
def plates(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    return generate_plate_set(tmp_path_factory.mktemp("plates"), 4, seed=202)


def test_layout_matching_repairs_lookalikes() -> None:
    assert match_read("1234AB7")[0] == ("1234AB7", 0)
    assert match_read("AB12347")[0] == ("AB12347", 0)
    assert match_read("O434MH1")[0] == ("0434MH1", 0.2)  # O/0: the same shape, a cheap repair
    assert ("0434MH1", 0.3) in match_read("I0434MH1")  # the border read as a character
    assert match_read("3752961") == [("ET52961", 2.0)]  # 3->E and 7->T are real changes...
    assert match_read("12345") == []
    assert match_read("1234AB9") == []  # region digit is 1-7


def test_ranking_needs_one_good_read() -> None:
    assert rank([("3752961", 0.0, 7), ("37529611", 0.0, 8)]) == []  # ...a phone number is no plate
    assert rank([("1234AB7", 0.0, 7), ("1234AB7", 0.0, 7), ("1284AB7", 0.0, 7)]) == ["1234AB7", "1284AB7"]


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
    lines, stderr = run_reader("services.plates", path, missing)
    assert len(lines) == 2
    name, result = lines[0].split("\t")
    assert name == str(path)
    assert expected in result.split(",")
    assert lines[1] == f"{missing}\t"
    assert "missing" in stderr


def test_network_reads_use_the_printed_gaps() -> None:
    assert match_rapid_read("4110 Cl-5")[0] == ("4110CI5", 0.0)  # a lower-case l is an I
    assert match_rapid_read("BY 6808 MH-5")[0] == ("6808MH5", 0.0)  # the country code is no character
    assert match_rapid_read("АВ 1234-7")[0] == ("AB12347", 0.0)  # Cyrillic look-alikes
    assert match_rapid_read("9582 P0-7")[0] == ("9582PO7", 0.2)
    # a stray character inside a group: the plate whose groups fit the gaps wins
    assert match_rapid_read(" CO0 3435-1")[0] == ("CO34351", 0.25)
    assert match_rapid_read("+375 29 611-22-33") == []  # a phone number on a dealer frame
    assert match_rapid_read("TOYOTA CENTER") == []
    # only the read's best reading votes: its costlier ones would be rivals of itself
    assert [p for p, _ in rapid_score(" CO0 3435-1", 0.9)] == ["CO34351"]


def test_close_reads_give_no_answer_unless_an_open_order_settles_them() -> None:
    score = {"1234AB7": 1.0, "1284AB7": 0.9}
    best = {"1234AB7": 0.9, "1284AB7": 0.85}
    assert decide(score, best, RAPID_MIN_READ) == []  # a false plate is worse than none
    assert decide(score, best, RAPID_MIN_READ, {"1284AB7"}) == ["1284AB7"]
    assert decide(score, best, RAPID_MIN_READ, {"1234AB7", "1284AB7"}) == []
    # a weak read counts only when an open order has that plate
    weak = ({"AB12347": 0.5}, {"AB12347": 0.5})
    assert decide(*weak, RAPID_MIN_READ) == []
    assert decide(*weak, RAPID_MIN_READ, {"AB12347"}) == ["AB12347"]
    # distinct plates (another car in the photo): the open order's first
    assert decide({"1234AB7": 2.0, "KH55557": 1.0}, {"1234AB7": 0.9, "KH55557": 0.9}, 0.75, {"KH55557"}) == [
        "KH55557",
        "1234AB7",
    ]


def test_engine_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCR_ENGINE", raising=False)
    assert engine_name() == "rapidocr"
    monkeypatch.setenv("OCR_ENGINE", "Tesseract")
    assert engine_name() == "tesseract"
    assert engine_name("rapidocr") == "rapidocr"
    with pytest.raises(RecognitionUnavailable):
        engine_name("easyocr")


@pytest.mark.parametrize("engine", ["rapidocr", "tesseract"])
def test_both_engines_read_a_workshop_photo(engine: str, tmp_path: Path) -> None:
    # sample 2 of the tuning split: a plate turned by 15-32 degrees of yaw
    sample = sample_set("plates", "tune", 1, tmp_path, start=2)[0]
    assert sample.condition == "yaw"
    assert read_plates(sample.path, engine=engine)[:1] == list(sample.expected)


def test_advert_frame_without_a_plate_is_no_plate(tmp_path: Path) -> None:
    sample = sample_set("plates", "tune", 1, tmp_path, start=12)[0]
    assert sample.condition == "no_plate" and sample.expected == ()
    assert read_plates(sample.path) == []
