"""Foundation, end to end: registration, roles, blocking, menus, restarts and flood control."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect, db_rows, set_user
from tests.emulator import TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py


def _commands(user) -> set[str]:
    return {command["command"] for command in user.commands}


async def test_client_registers_with_own_contact(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(first_name="Ольга", phone="+375 29 611-22-33")
    await client.send_text("/start")
    greeting = await client.wait_text("Автосервис Тест")
    assert any(request_contact for _, request_contact in greeting.reply_buttons())
    await client.send_contact()
    await client.wait_text("Вы подключены")
    assert db_rows(bot, "SELECT phone, level, activity FROM users WHERE telegram_id = ?", (client.id,)) == [
        ("+375296112233", 3, 1)
    ]
    await emulator.wait_until(lambda: "support" in _commands(client))
    assert "admin" not in _commands(client)


async def test_foreign_contact_is_refused(emulator: TelegramEmulator, bot: BotProcess) -> None:
    owner = emulator.add_user(phone="+375296112233")
    stranger = emulator.add_user(phone="+375447777777")
    await stranger.send_text("/start")
    await stranger.wait_text("Отправить мой номер")
    await stranger.send_contact(phone=owner.phone, user_id=owner.id)
    await stranger.wait_text("чужой контакт")
    await stranger.send_contact(phone=owner.phone, user_id=0)  # a contact card without a user id
    await stranger.wait_text("чужой контакт")
    assert db_rows(
        bot, "SELECT COUNT(*) FROM users WHERE telegram_id IN (?, ?)", (owner.id, stranger.id)
    ) == [(0,)]
    await stranger.send_text("/help")
    await stranger.wait_text("/start")


async def test_admin_phone_becomes_admin(emulator: TelegramEmulator, bot: BotProcess) -> None:
    admin = emulator.add_user(first_name="Админ", phone="8 (029) 000-00-01")  # ADMIN_PHONE, local form
    assert ADMIN_PHONE == "+375290000001"
    await connect(admin)
    assert db_rows(bot, "SELECT level FROM users WHERE telegram_id = ?", (admin.id,)) == [(1,)]
    await emulator.wait_until(lambda: "admin" in _commands(admin))
    await admin.send_text("/help")
    await admin.wait_text("/admin")


async def test_inactive_user_gets_one_short_answer_to_anything(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    client = emulator.add_user(phone="+375291234567")
    await connect(client)
    set_user(bot, client.id, activity=2)
    for action in (client.send_text("привет"), client.send_text("/start"), client.send_sticker()):
        client.mark()
        await action
        await client.wait_text("Доступ к боту заблокирован")
    client.mark()
    await client.send_contact()
    await client.wait_text("Доступ к боту заблокирован")
    await client.press("anything", message_id=client.messages[0].message_id)
    await emulator.wait_until(
        lambda: any("заблокирован" in (a.get("text") or "") for a in client.callback_answers)
    )
    # nothing but the one answer per update
    blocked = [m for m in client.messages[-5:] if "заблокирован" in m.content]
    assert len(blocked) == 4
    assert db_rows(bot, "SELECT activity FROM users WHERE telegram_id = ?", (client.id,)) == [(2,)]


async def test_forged_and_stale_buttons_get_a_polite_refusal(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    client = emulator.add_user(phone="+375291234569")
    stranger = emulator.add_user(phone="+375291234568")
    await connect(client)
    await stranger.send_text("/start")  # not registered: only the greeting
    await stranger.wait_text("Отправить мой номер")
    for user, data in ((client, "adm:lvl:1:1"), (client, "x" * 64), (stranger, "ord:pick:1")):
        await user.press(data, message_id=user.messages[0].message_id)
    await emulator.wait_until(
        lambda: len(client.callback_answers) >= 2 and len(stranger.callback_answers) >= 1
    )
    answers = [a.get("text") or "" for a in client.callback_answers + stranger.callback_answers]
    assert all("недоступна" in text for text in answers), answers


async def test_deep_link_payload_is_kept(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(phone="+375295556677")
    await client.send_text("/start a000177322")
    await client.wait_text("Отправить мой номер")
    await client.send_contact()
    await client.wait_text("Вы подключены")
    assert db_rows(bot, "SELECT start_payload FROM users WHERE telegram_id = ?", (client.id,)) == [
        ("a000177322",)
    ]


async def test_429_is_retried_and_nothing_is_lost(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(phone="+375295556678")
    throttled_before = emulator.count("sendMessage", status=429)
    emulator.fail_next("sendMessage", status=429, retry_after=1, count=2)
    await client.send_text("/start")
    await client.wait_text("Отправить мой номер", timeout=15)
    assert emulator.count("sendMessage", status=429) - throttled_before == 2


async def test_unsupported_content_gets_an_answer(emulator: TelegramEmulator, bot: BotProcess) -> None:
    client = emulator.add_user(phone="+375295556679")
    await connect(client)
    for action in (client.send_sticker(), client.send_voice(), client.send_location(53.9, 27.56)):
        client.mark()
        await action
        await client.wait_text("не обрабатывает")
