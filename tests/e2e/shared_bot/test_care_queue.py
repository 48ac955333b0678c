"""The care queue (issue 16.4): two care agents see a client's request; one takes it and every
other copy shows who took it; a conversation mode sends every text or photo to that client until
"Закрыть"; an agent switches between two clients; forged buttons are refused."""

from __future__ import annotations

import pytest

from tests.e2e.flows import blob
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, connect_as, db_rows
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py


async def _ask_care(client: SimUser, text: str) -> None:
    await client.send_text("💬 Написать в службу заботы")
    await client.wait_text("Напишите ваше сообщение")
    await client.send_text(text)
    await client.wait_text("передано в службу заботы")


def _has_button(message: BotMessage, text: str) -> bool:
    return any(text in label for label, _ in message.buttons())


async def test_two_agents_take_talk_switch_and_close(emulator: TelegramEmulator, bot: BotProcess) -> None:
    anna = emulator.add_user(first_name="Анна", phone="+375291160001")
    boris = emulator.add_user(first_name="Борис", phone="+375291160002")
    first = emulator.add_user(first_name="<i>Ольга</i>", phone="+375297160001")
    second = emulator.add_user(first_name="Иван", phone="+375297160002")
    await connect_as(bot, anna, 4, name="Анна")
    await connect_as(bot, boris, 4, name="Борис")
    await connect(first)
    await connect(second)

    await _ask_care(first, "Когда можно записаться?")
    await anna.wait_text("Когда можно записаться?")
    copy = await boris.wait_text("Когда можно записаться?")
    assert _has_button(copy, "Взять") and _has_button(copy, "Ответить клиенту")

    await anna.press_button("Взять")
    started = await anna.wait_text("Вы взяли обращение")
    assert "<i>Ольга</i>" in started.content  # the client's name is escaped, shown as typed
    await boris.wait_until(lambda: _has_button(copy, "Взял(а): Анна"))
    assert not _has_button(copy, "Взять")
    await boris.press(f"cr:t:{first.id}", message_id=copy.message_id)  # the old button, pressed late
    await emulator.wait_until(lambda: bool(boris.callback_answers))
    assert "уже взял(а) Анна" in (boris.callback_answers[-1].get("text") or "")
    assert db_rows(bot, "SELECT taken_by FROM care_threads WHERE client_id = ?", (first.id,)) == [(anna.id,)]
    await boris.press(f"cr:c:{first.id}", message_id=copy.message_id)  # not his: he may not close it
    await emulator.wait_until(lambda: len(boris.callback_answers) >= 2)
    assert "уже взял(а) Анна" in (boris.callback_answers[-1].get("text") or "")
    assert db_rows(bot, "SELECT taken_by FROM care_threads WHERE client_id = ?", (first.id,)) == [(anna.id,)]

    # conversation mode: several answers without pressing "Ответить клиенту" again
    await anna.send_text("Завтра в 10:00")
    await first.wait_text("Завтра в 10:00")
    assert "<i>Ольга</i>" in (await anna.wait_text("Отправлено клиенту")).content
    await anna.send_text("Возьмите документы")
    await first.wait_text("Возьмите документы")
    await anna.wait_text("Отправлено клиенту")
    await anna.send_photo(blob("care-photo"), caption="Схема проезда")
    photo = await first.wait_text("Схема проезда")
    assert photo.kind == "photo"
    sent_photo = "SELECT text FROM protocol WHERE text LIKE '%Схема проезда'"
    await emulator.wait_until(lambda: bool(db_rows(bot, sent_photo)))
    assert db_rows(bot, sent_photo) == [("[фото] Схема проезда",)], "the protocol never shows a file id"

    # a second client writes while Anna talks to the first: her texts still go to the first
    await _ask_care(second, "Машина стучит")
    await anna.wait_text("Машина стучит")
    await anna.send_text("И паспорт")
    await first.wait_text("И паспорт")
    # she switches: the second request's "Взять"
    await anna.press_button("Взять")
    assert "Иван" in (await anna.wait_text("Вы взяли обращение")).content
    await anna.send_text("Приезжайте на диагностику")
    await second.wait_text("Приезжайте на диагностику")
    assert "Иван" in (await anna.wait_text("Отправлено клиенту")).content
    assert not any("диагностику" in m.content for m in first.messages)

    # "Закрыть" ends the conversation: the client is not bothered, nothing more goes to them
    before = len(second.messages)
    await anna.press_button("Закрыть")
    assert "Иван" in (await anna.wait_text("Обращение закрыто")).content
    closed = "SELECT taken_by, waiting_since FROM care_threads WHERE client_id = ?"
    assert db_rows(bot, closed, (second.id,)) == [(None, None)]
    anna.mark()
    await anna.send_text("Это уже не клиенту")  # the conversation mode is gone: the bot answers her itself
    await anna.wait_for(count=1)
    assert len(second.messages) == before


async def test_forged_take_and_close_are_refused(emulator: TelegramEmulator, bot: BotProcess) -> None:
    care = emulator.add_user(first_name="Вера", phone="+375291160011")
    employee = emulator.add_user(first_name="Пётр", phone="+375291160012")
    client = emulator.add_user(first_name="Ольга", phone="+375297160011")
    silent = emulator.add_user(first_name="Молчун", phone="+375297160012")
    await connect_as(bot, care, 4, name="Вера")
    await connect_as(bot, employee, 2)
    await connect(client)
    await connect(silent)
    await _ask_care(client, "Вопрос")
    request = await care.wait_text("Вопрос")
    for forged in (f"cr:t:{silent.id}", f"cr:t:{employee.id}", f"cr:c:{silent.id}", "cr:t:999999999"):
        await care.press(forged, message_id=request.message_id)
    await emulator.wait_until(lambda: len(care.callback_answers) >= 4)
    refusals = [answer.get("text") or "" for answer in care.callback_answers]
    assert all("только клиентам, которые написали" in text for text in refusals), refusals
    # staff who are not care are not even heard by the care handlers
    await employee.press(f"cr:t:{client.id}", message_id=employee.messages[-1].message_id)
    await emulator.wait_until(lambda: bool(employee.callback_answers))
    rows = db_rows(bot, "SELECT taken_by FROM care_threads WHERE client_id = ?", (client.id,))
    assert rows == [(None,)]
