"""No sender starves the others (issue 18.6), end to end, with Telegram's per-chat limits on.

One client floods an employee with forty messages; another client's one message must not wait
behind all of them: the employee's chat takes turns between senders.
"""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id, rescan
from tests.emulator import SimUser, TelegramEmulator

FLOOD = 40


def _contact(bot: BotProcess, client: SimUser, staff: SimUser, order_id: int) -> None:
    """The client last talked to `staff` about the order: their messages go to that employee."""
    with sqlite3.connect(bot.database_path, timeout=10) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO client_contacts (client_id, staff_id, order_id, via_care, updated_at)"
            " VALUES (?, ?, ?, 0, ?)",
            (client.id, staff.id, order_id, time.time()),
        )


def _queued_from(bot: BotProcess, client: SimUser, employee: SimUser) -> int:
    rows = db_rows(
        bot,
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND dedup_key LIKE ?",
        (employee.id, f"cm:{client.id}:%"),
    )
    return int(rows[0][0])


async def test_a_flooding_client_does_not_hold_back_another(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    employee = emulator.add_user(first_name="Мастер", phone="+375445550101")
    flooder = emulator.add_user(first_name="Флудер", phone="+375295550101")
    other = emulator.add_user(first_name="Клиент", phone="+375295550102")
    await connect_as(bot, employee, 2, name="Мастер")
    await connect(flooder)
    await connect(other)
    add_order(bot.branch_photo, "fair1", flooder.phone)
    add_order(bot.branch_photo, "fair2", other.phone)
    await rescan(employee)
    _contact(bot, flooder, employee, await indexed_order_id(bot, "fair1"))
    _contact(bot, other, employee, await indexed_order_id(bot, "fair2"))

    for index in range(FLOOD):
        await flooder.send_text(f"флуд {index}")
    await emulator.wait_until(lambda: _queued_from(bot, flooder, employee) >= FLOOD, timeout=60)
    await other.send_text("срочно: машина не заводится")
    await employee.wait_text("срочно", timeout=60)
    relayed = [m.content for m in employee.messages if "флуд" in m.content or "срочно" in m.content]
    before = relayed.index(next(text for text in relayed if "срочно" in text))
    print(f"the other client's message arrived after {before} of {FLOOD} flood messages")
    assert before < FLOOD // 2  # in turn, not behind the whole flood


async def test_a_stranger_repeating_an_attention_word_pages_the_admins_once(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    stranger = emulator.add_user(first_name="Незнакомец", phone="+375295550201")
    client = emulator.add_user(first_name="Клиент", phone="+375295550202")
    for user in (admin, stranger, client):
        await connect(user)
    for index in range(10):
        await stranger.send_text(f"плохо {index}")
        await stranger.wait_for(timeout=30)  # each answered: it was handled
    await client.send_text("всё плохо с машиной")
    await admin.wait_text("всё плохо с машиной", timeout=60)
    alerts = [m.content for m in admin.messages if "Внимание" in m.content]
    from_stranger = [text for text in alerts if "плохо " in text and "машиной" not in text]
    assert len(from_stranger) == 1, alerts  # one alert per client and window, not ten
    assert any("всё плохо с машиной" in text for text in alerts)
