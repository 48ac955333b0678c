"""Telegram holds up a photo for the client (issue 16.6), end to end: the employee sees one
"⏳ доставка задерживается" and that same message turns into "✅ доставлено" when the photo goes."""

from __future__ import annotations

import texts
from tests.e2e.conftest import BotFactory
from tests.e2e.test_load import _pairs, _photo, _photos_received
from tests.emulator import TelegramEmulator


async def test_a_held_up_photo_shows_one_notice_edited_to_delivered(
    emulator: TelegramEmulator, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(extra_env={"DELIVERY_SLOW_SECONDS": "1"})
    [(employee, client)] = await _pairs(emulator, bot, 1)
    emulator.fail_next("sendPhoto", status=429, retry_after=5)  # the outbox waits 5 s, well past 1 s

    await employee.send_photo(_photo(21, 0), caption="фото")
    await client.wait_until(lambda: len(_photos_received(client)) == 1, timeout=60)
    await employee.wait_until(
        lambda: any(m.text == texts.DELIVERY_DONE for m in employee.messages), timeout=30
    )

    notices = [
        call
        for call in emulator.calls
        if call.method == "sendMessage"
        and call.chat_id == employee.id
        and call.params.get("text") == texts.DELIVERY_SLOW
    ]
    assert len(notices) == 1
    [done] = [m for m in employee.messages if m.text == texts.DELIVERY_DONE]
    edits = [c for c in emulator.calls if c.method == "editMessageText" and c.chat_id == employee.id]
    assert [int(c.params["message_id"]) for c in edits] == [done.message_id]
    assert not any(texts.DELIVERY_SLOW in (m.text or "") for m in employee.messages)  # edited, not added
