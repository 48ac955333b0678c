"""The admins' daily digest (issue 16.5), end to end: a bot that was down at DIGEST_TIME sends it as
soon as it starts that day, with the day's figures."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN_PHONE, BotFactory
from tests.e2e.helpers import connect
from tests.emulator import TelegramEmulator


async def test_a_bot_started_after_digest_time_sends_the_admins_the_days_digest(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()  # DIGEST_TIME empty: no digest
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    client = emulator.add_user(first_name="Клиент", phone="+375295550077")
    await connect(admin)
    await connect(client)
    await bot.stop()

    bot.extra_env["DIGEST_TIME"] = "00:00"  # any time of day is past midnight: due at once
    await bot.start()
    digest = await admin.wait_text("Сводка за сутки", timeout=30)
    assert "Подключилось клиентов: 1\n" in digest.content
    assert "Не доставлено сообщений: 0" in digest.content
    assert sum("Сводка за сутки" in m.content for m in admin.messages) == 1
    assert not any("Сводка" in m.content for m in client.messages)
