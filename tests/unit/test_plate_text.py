import pytest

from services.plate_text import normalize_plate


@pytest.mark.parametrize("raw", ["0434 МН-1", "0434mh1", "0434 MH - 1", "0434 мн-1", "0434МН1"])
def test_layouts_and_alphabets_are_one_plate(raw: str) -> None:
    assert normalize_plate(raw) == "0434MH1"


def test_letter_first_layout() -> None:
    assert normalize_plate("АВ 1234-7") == "AB12347"


def test_nothing_readable_is_empty() -> None:
    assert normalize_plate(None) == ""
    assert normalize_plate(" - ") == ""
