"""A care agent's reply to the bot's own message about a client: the client is read off its buttons."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from keyboards.conversations import care_cancel, care_client_in, care_close, care_taken


def test_the_client_of_a_care_keyboard() -> None:
    assert care_client_in(care_close(100005)) == 100005
    assert care_client_in(care_taken(100007, "Анна", mine=False)) == 100007


def test_no_client_where_the_buttons_name_none() -> None:
    forged = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="cr:zz:notanumber")]]
    )
    other = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="or:o:1:0")]])
    assert care_client_in(None) is None
    assert care_client_in(care_cancel()) is None  # client 0: nobody
    assert care_client_in(forged) is None
    assert care_client_in(other) is None
