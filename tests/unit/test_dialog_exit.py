"""What ends a waiting prompt (handlers/dialogs.py): a /command but /cancel and /help, a menu button;
and leave_dialog keeps data held without a state (an invitation's token before the contact)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

import texts
from handlers.dialogs import ends_dialog, leave_dialog


def test_commands_and_menu_buttons_end_a_dialog_plain_text_does_not() -> None:
    for text in (
        "/order",
        "/start abc",
        "/admin@dealer_bot",
        "/ORDER",
        texts.MY_ORDERS_BUTTON,
        texts.REPORT_BUTTON,
    ):
        assert ends_dialog(text), text
    for text in ("/cancel", "/help", "/help@dealer_bot", "масло темнеет", "", None, "/"):
        assert not ends_dialog(text), text


async def test_leave_dialog_clears_a_state_and_keeps_stateless_data() -> None:
    state = FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=2, user_id=2))
    await state.update_data(start_payload="token")
    assert not await leave_dialog(state)
    assert await state.get_data() == {"start_payload": "token"}
    await state.set_state("MarkNote:text")
    assert await leave_dialog(state)
    assert await state.get_state() is None and await state.get_data() == {}
