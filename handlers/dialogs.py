"""The one way out of a dialog: every prompt that waits for a person's next text (a mark's note, a
recommendation, an order search, the admin menu, a care reply...) is an FSM state, and it ends here.

An unrelated /command or a reply-keyboard menu button always wins over a waiting prompt: the
middleware (middlewares/dialogs.py) ends the dialog before any handler sees the message, so the next
plain text is never taken as the prompt's answer. Tapping another order ends it too (the handlers call
`leave_dialog`). /cancel says it ended; /help answers and leaves the prompt waiting.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext

import texts

KEEP_DIALOG_COMMANDS = frozenset({"cancel", "help"})  # /cancel ends it itself; /help only informs
MENU_BUTTONS = frozenset({texts.CARE_BUTTON, texts.MY_ORDERS_BUTTON, texts.REPORT_BUTTON})


def ends_dialog(text: str | None) -> bool:
    """A message that leaves whatever dialog waits: a /command (but /cancel, /help) or a menu button."""
    if not text:
        return False
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        command = words[0].split("@", 1)[0].lower() if words else ""
        return bool(command) and command not in KEEP_DIALOG_COMMANDS
    return text in MENU_BUTTONS


async def leave_dialog(state: FSMContext) -> bool:
    """End the dialog under way, if any (its data goes with it); True when there was one. Data kept
    without a state (an invitation's token before the contact is shared) stays."""
    if await state.get_state() is None:
        return False
    await state.clear()
    return True
