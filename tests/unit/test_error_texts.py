"""handlers/errors.py: every domain error a service can raise has its Russian answer, in one place."""

from __future__ import annotations

import inspect
from datetime import date

import pytest

import texts
from database.orders import Order
from handlers.errors import ERROR_TEXTS, PROBLEM_TEXTS, error_text
from services.admin import AdminError, NobodyFound, UserNotFound
from services.conversations import OrderClosed, RelayError
from services.media import Problem
from services.orders_flow import OrderFlowError, OrderGone
from services.recognition.errors import UnreadableImage
from services.registration import RegistrationError

ORDER = Order(7, "A-<100>", None, None, None, True, None, True, date(2026, 1, 1))
DOMAIN_ROOTS = (AdminError, OrderFlowError, RelayError, RegistrationError)


def _all_subclasses(root: type[Exception]) -> list[type[Exception]]:
    found = []
    for sub in root.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _instance(kind: type[Exception]) -> Exception:
    about_order = "order" in inspect.signature(kind.__init__).parameters  # OrderClosed(order)...
    return kind(ORDER) if about_order else kind("+375291112233")


@pytest.mark.parametrize(
    "kind", [kind for root in DOMAIN_ROOTS for kind in _all_subclasses(root)], ids=lambda kind: kind.__name__
)
def test_every_domain_error_has_an_answer(kind: type[Exception]) -> None:
    text = error_text(_instance(kind))
    assert text and not text.isascii()  # Russian, not a repr


def test_the_most_specific_answer_wins_and_values_are_escaped() -> None:
    assert error_text(NobodyFound("<Ко>")) == texts.admin_nobody_found(
        "<Ко>"
    ) and "&lt;Ко&gt;" in texts.admin_nobody_found("<Ко>")
    assert error_text(UserNotFound("5")) == texts.ADMIN_USER_GONE
    assert "A-&lt;100&gt;" in error_text(OrderClosed(ORDER))
    assert error_text(UnreadableImage()) == texts.RECOGNITION_UNREADABLE


def test_a_handler_may_say_it_in_other_words_and_an_unknown_error_is_not_guessed() -> None:
    assert error_text(OrderGone(), {OrderGone: texts.SWITCH_ORDER_GONE}) == texts.SWITCH_ORDER_GONE
    with pytest.raises(LookupError):
        error_text(ValueError("not a domain error"))
    assert all(issubclass(kind, Exception) for kind in ERROR_TEXTS)


def test_every_reason_files_were_not_filed_has_an_answer() -> None:
    assert set(PROBLEM_TEXTS) == set(Problem) and all(PROBLEM_TEXTS.values())
