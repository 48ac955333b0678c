from pathlib import Path

import cv2
import numpy as np
import pytest

from services.recognition.barcode_decoders import decoder_names
from services.recognition.barcodes import _Reads, decode_barcodes
from services.recognition.errors import RecognitionUnavailable, UnreadableImage
from tests.synth import generate_barcode_set
from tests.synth.encoders import code128_modules
from tests.synth.render import _barcode_image
from tests.synth.workshop import sample_set
from tests.unit.reader_cli import run_reader


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    return generate_barcode_set(tmp_path_factory.mktemp("barcodes"), 4, seed=101)


def test_long_code128_from_bytes() -> None:
    code = "2800074366278382442612315631864110402"
    img = np.asarray(_barcode_image(code128_modules(code), 2, 80))
    ok, buf = cv2.imencode(".png", np.pad(img, 20, constant_values=255))
    assert ok
    assert decode_barcodes(buf.tobytes()) == [code]


def test_photographed_sheets(photos: list[tuple[Path, str]]) -> None:
    hits = sum(expected in decode_barcodes(path) for path, expected in photos)
    assert hits >= len(photos) - 1


def test_nothing_found_and_unreadable(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 300), 200, np.uint8))
    assert decode_barcodes(blank) == []
    with pytest.raises(UnreadableImage):
        decode_barcodes(b"not an image")


def test_cli_format(photos: list[tuple[Path, str]], tmp_path: Path) -> None:
    path, expected = photos[0]
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"junk")
    lines, stderr = run_reader("services.barcodes", path, junk)
    assert len(lines) == 2
    assert lines[0].split("\t")[0] == str(path)
    assert expected in lines[0].split("\t")[1].split(",")
    assert lines[1] == f"{junk}\t"
    assert "junk" in stderr


def test_every_code_on_the_sheet(tmp_path: Path) -> None:
    # sample 6 of the tuning split: the dealer's code and a supplier's EAN-13 on one sheet
    sample = sample_set("barcodes", "tune", 1, tmp_path, start=6)[0]
    assert sample.condition == "two_codes" and len(sample.expected) == 2
    assert sorted(decode_barcodes(sample.path)) == sorted(sample.expected)


@pytest.mark.parametrize("decoders", ["zbar", "both"])
def test_pyzbar_stays_available(decoders: str, photos: list[tuple[Path, str]]) -> None:
    path, expected = photos[0]
    assert expected in decode_barcodes(path, decoders)


def test_decoder_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECOGNITION_DECODERS", raising=False)
    assert decoder_names() == ["zxing"]
    monkeypatch.setenv("RECOGNITION_DECODERS", "both")
    assert decoder_names() == ["zxing", "zbar"]
    with pytest.raises(RecognitionUnavailable):
        decoder_names("dynamsoft")


def _quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def test_two_codes_read_at_one_place_keep_the_full_read() -> None:
    reads = _Reads()
    shape = (1000, 1000)
    reads.add([("5907101386291", _quad(224, 336, 453, 372))], lambda q: q, shape)  # the whole symbol
    reads.add([("0190100007105", _quad(227, 317, 350, 318))], lambda q: q, shape)  # one partial row
    reads.add([("4813076418909", _quad(526, 743, 756, 804))], lambda q: q, shape)  # another symbol
    reads.resolve_conflicts()
    assert reads.codes == ["5907101386291", "4813076418909"]
    # two reads of one symbol that span it alike: neither is trusted
    twins = _Reads()
    twins.add(
        [("1111111111116", _quad(0, 0, 200, 60)), ("2222222222222", _quad(5, 2, 205, 62))], lambda q: q, shape
    )
    twins.resolve_conflicts()
    assert twins.codes == []


def test_a_read_in_a_crops_padding_is_no_read() -> None:
    reads = _Reads()
    reads.add([("0511171121451", _quad(797, -168, 1190, -44))], lambda q: q, (1600, 1200))
    reads.add([("4810000000001", None)], lambda q: q, (1600, 1200))  # a whole-photo pass: no place
    assert reads.codes == ["4810000000001"]
