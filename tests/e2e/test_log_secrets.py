"""The bot token never reaches a log (issue 18.1): failed downloads log status and file id only."""

from __future__ import annotations

from tests.e2e.conftest import BotFactory
from tests.e2e.test_load import _pairs, _photo, _photos_received
from tests.emulator import TelegramEmulator
from tests.emulator.server import DOWNLOAD


async def test_failed_downloads_never_log_the_token(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(send_rate_global=0, send_rate_per_chat=0, extra_env={"LOG_LEVEL": "DEBUG"})
    [(employee, client)] = await _pairs(emulator, bot, 1)
    emulator.fail_next(DOWNLOAD, status="403")  # refused for good: the employee is told
    employee.mark()
    await employee.send_photo(_photo(21, 0))
    await employee.wait_text("Не удалось сохранить", timeout=60)
    emulator.fail_next(DOWNLOAD, status="502html", count=2)  # a proxy's page twice, then the file
    emulator.fail_next(DOWNLOAD, status="truncate")
    await employee.send_photo(_photo(21, 1))
    await client.wait_until(lambda: len(_photos_received(client)) >= 1, timeout=60)
    secret = emulator.token.partition(":")[2]
    for text in (bot.log_text(), bot.output_text()):
        assert "Download of file" in text or "download of file" in text  # the failures were logged
        assert secret not in text and emulator.token not in text
