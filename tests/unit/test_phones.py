import pytest

from services.phones import normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["+375 29 611-22-33", "375296112233", "8 (029) 611-22-33", "296112233", "+375296112233"],
)
def test_belarusian_forms_are_one_person(raw: str) -> None:
    assert normalize_phone(raw) == "+375296112233"


@pytest.mark.parametrize("raw", ["+7 (916) 123-45-67", "79161234567", "8 916 123 45 67"])
def test_russian_forms_are_one_person(raw: str) -> None:
    assert normalize_phone(raw) == "+79161234567"


def test_other_international_number_is_kept() -> None:
    assert normalize_phone("+37888888808") == "+37888888808"


@pytest.mark.parametrize("raw", [None, "", "abc", "12345", "1234567890123456"])
def test_garbage_is_not_a_phone(raw: str | None) -> None:
    assert normalize_phone(raw) is None


def test_different_people_stay_different() -> None:
    assert normalize_phone("+375296112233") != normalize_phone("+375296112234")
