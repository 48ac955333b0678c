"""The main flows through the real dispatcher and services, Telegram mocked in-process."""

from __future__ import annotations

import pytest

from database.users import Level
from tests.middle.conftest import ADMIN_PHONE, App

pytestmark = pytest.mark.middle

CLIENT_PHONE = "+375298943508"  # the owner of fixture order a000177322


async def test_a_client_connects_by_sharing_their_contact(app: App) -> None:
    client = app.person(5001, "Владелец", CLIENT_PHONE)
    await client.send_text("/start")
    assert any("Отправить мой номер" in str(m.reply_markup) for m in app.session.calls("sendMessage", 5001))
    await client.send_contact()
    await client.wait_text("Вы подключены")
    user = await app.services.users.get(5001)
    assert user is not None and user.phone == CLIENT_PHONE and user.level is Level.CLIENT


async def test_an_admin_phone_connects_as_admin(app: App) -> None:
    admin = app.person(5002, "Админ", ADMIN_PHONE)
    await admin.send_text("/start")
    await admin.send_contact()
    user = await app.services.users.get(5002)
    assert user is not None and user.level is Level.ADMIN
