"""Care reminders (issue 16.4) with a tiny CARE_REMIND_MINUTES read from the environment: a request
nobody answers reminds care, then (at twice the time) the admins; an answered one does not."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, connect_as
from tests.emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

SHARED_BOT = {"extra_env": {"CARE_REMIND_MINUTES": "0.03"}}  # 1.8 s; the admins at 3.6 s


async def test_an_unanswered_request_reminds_care_then_admins(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    care = emulator.add_user(first_name="Анна", phone="+375291170001")
    client = emulator.add_user(first_name="<b>Ольга</b>", phone="+375297170001")
    await connect(admin)
    await connect_as(bot, care, 4, name="Анна")
    await connect(client)
    await client.send_text("💬 Написать в службу заботы")
    await client.wait_text("Напишите ваше сообщение")
    await client.send_text("Мне никто не ответил")
    await care.wait_text("Мне никто не ответил")

    reminder = await care.wait_text("Напоминание", timeout=20)
    assert "<b>Ольга</b>" in reminder.content and "Никто не взял" in reminder.content
    assert any("Взять" in label for label, _ in reminder.buttons())
    assert "<b>Ольга</b>" in (await admin.wait_text("обращение без ответа", timeout=20)).content

    # answered: no more reminders for this wait
    await care.press_button("Ответить клиенту")
    await care.wait_text("Напишите ответ клиенту")
    await care.send_text("Отвечаю")
    await client.wait_text("Отвечаю")
    care.mark()
    admin.mark()
    await client.send_text("Спасибо")  # goes back to care: a new wait, reminded again
    await care.wait_text("Спасибо")
    await care.wait_text("Напоминание", timeout=20)
    assert not any("Напоминание" in m.content for m in client.messages)
