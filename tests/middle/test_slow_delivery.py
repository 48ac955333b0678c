"""A delivery to a client that Telegram holds up: one "⏳" notice to the employee, edited to "✅"."""

from __future__ import annotations

import pytest

import texts
from database.users import Level
from tests.middle.conftest import App, Clock
from tests.middle.test_flows import CLIENT_PHONE, _connect, _open_order

pytestmark = pytest.mark.middle

SLOW = 31.0  # past DELIVERY_SLOW_SECONDS (30 by default)


def _notices(app: App, chat_id: int) -> list[int]:
    """Message ids of the "⏳" notices sent to the chat."""
    return [
        app.session.results[id(m)].message_id  # type: ignore[attr-defined]
        for m in app.session.calls("sendMessage", chat_id)
        if m.text == texts.DELIVERY_SLOW and id(m) in app.session.results
    ]


def _edits(app: App, chat_id: int) -> list[tuple[int, str]]:
    """Edits that settle a delivery notice (the pinned order card is edited in place too)."""
    settled = (texts.DELIVERY_DONE, texts.DELIVERY_NOT_ALL)
    edits = app.session.calls("editMessageText", chat_id)
    return [(m.message_id, m.text) for m in edits if m.text in settled]  # type: ignore[attr-defined]


async def test_a_photo_held_up_shows_one_notice_that_becomes_delivered(app: App, clock: Clock) -> None:
    client = await _connect(app, 5601, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5602, "Мастер", "+375447000619", Level.EMPLOYEE)
    await _open_order(employee)
    app.session.fail_next("sendPhoto", 502, "Bad Gateway", chat_id=client.id)  # retried in about 1 s

    await employee.send_photo("slow-1", b"\xff\xd8 held up \xff\xd9")
    await app.session.wait_for(lambda: len(app.session.calls("sendPhoto", client.id)) == 1)
    clock.advance(SLOW)
    await app.services.outbox.check_slow()
    await app.session.wait_for(lambda: bool(_notices(app, employee.id)))
    await app.session.wait_for(lambda: bool(_edits(app, employee.id)))

    assert len(app.session.calls("sendPhoto", client.id)) == 2  # the retry went out
    [notice] = _notices(app, employee.id)
    assert _edits(app, employee.id) == [(notice, texts.DELIVERY_DONE)]
    await app.services.outbox.check_slow()
    assert len(_notices(app, employee.id)) == 1  # nothing piles up


async def test_a_text_held_up_is_noticed_once_and_a_quick_one_not_at_all(app: App, clock: Clock) -> None:
    client = await _connect(app, 5611, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5612, "Мастер", "+375447000629", Level.EMPLOYEE)
    await _open_order(employee)
    await employee.send_text("Машина готова")
    await client.wait_text("Машина готова")
    await app.session.wait_for(lambda: bool(app.session.calls("setMessageReaction", employee.id)))
    clock.advance(SLOW)
    await app.services.outbox.check_slow()
    assert _notices(app, employee.id) == []  # it went at once: no notice

    app.session.fail_next("sendMessage", 502, "Bad Gateway", chat_id=client.id)
    await employee.send_text("Можно забирать")
    await app.session.wait_for(lambda: len(app.session.calls("sendMessage", client.id)) >= 3)
    clock.advance(SLOW)
    await app.services.outbox.check_slow()
    await app.session.wait_for(lambda: bool(_edits(app, employee.id)))
    [notice] = _notices(app, employee.id)
    assert _edits(app, employee.id) == [(notice, texts.DELIVERY_DONE)]
    assert "Можно забирать" in client.texts()[-1]


async def test_a_held_up_photo_refused_in_the_end_turns_the_notice_into_not_all(
    app: App, clock: Clock
) -> None:
    client = await _connect(app, 5621, "Владелец", CLIENT_PHONE)
    employee = await _connect(app, 5622, "Мастер", "+375447000639", Level.EMPLOYEE)
    await _open_order(employee)
    app.session.fail_next("sendPhoto", 502, "Bad Gateway", chat_id=client.id)
    app.session.fail_next("sendPhoto", 400, "Bad Request: wrong file identifier", chat_id=client.id)

    await employee.send_photo("slow-2", b"\xff\xd8 refused \xff\xd9")
    await app.session.wait_for(lambda: len(app.session.calls("sendPhoto", client.id)) == 1)
    clock.advance(SLOW)
    await app.services.outbox.check_slow()
    await app.session.wait_for(lambda: bool(_edits(app, employee.id)))
    [notice] = _notices(app, employee.id)
    assert _edits(app, employee.id) == [(notice, texts.DELIVERY_NOT_ALL)]
