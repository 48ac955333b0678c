"""A workshop day in taps and messages (issue 16's scenario), counted, never timed.

The four paths staff walk many times a day, each with its budget:
  * an admin sets up a new employee: at most 4 taps after typing the phone, the registration one
    message edited in place; the person then connects and the level and name apply;
  * an employee chooses an order (typed search, and the calendar) and sends a photo: exactly ONE bot
    message between the typed number (a part only that open order has) or the order's button and the
    photo - the card with the stage buttons, which is the pin (pin service messages are not messages
    here) - then one stage tap, then the photo;
  * an admin finds a protocol by a part of the order number: files named by file name and stage label;
  * one care agent answers two clients alternately, in conversation mode, with no tap between the
    answers; each client gets only their own answers.
Every text the bot sends is read by the transcript guard (tests/e2e/transcript_guard.py) as well.

One bot for the module; each test brings its own people and orders.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import ADMIN_PHONE
from tests.e2e.flows import STAGE, blob, calendar_day_button, staff, stage_chosen, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def emulator(shared_emulator: TelegramEmulator) -> TelegramEmulator:
    return shared_emulator


@pytest.fixture(scope="module")
def bot(shared_bot: BotProcess) -> BotProcess:
    return shared_bot


class Taps:
    """Counts one person's button presses (callback queries) from here on."""

    def __init__(self, user: SimUser) -> None:
        self.user = user
        self.count = 0

    async def press_on(self, message: BotMessage, label: str) -> str:
        data = next((data for text, data in message.buttons() if label in text), None)
        assert data is not None, f"no button {label!r} on {message.describe()}"
        self.count += 1
        return await self.user.press(data, message.message_id)

    async def press(self, label: str) -> str:
        self.count += 1
        return await self.user.press_button(label)


def _texts(user: SimUser) -> list[str]:
    return [m.content for m in user.messages]


async def test_a_new_employee_takes_one_tap_after_the_phone(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    newcomer = emulator.add_user(first_name="Novichok", phone="+375296160001")
    await connect(admin)
    admin.mark()
    await admin.send_text("/admin")
    await admin.wait_text("Меню администратора")

    await admin.send_text("8 029 616-00-01")  # typed as people say it
    offer = await admin.wait_text("ещё никто не подключался")
    messages_before = len(admin.messages)
    taps = Taps(admin)
    await taps.press_on(offer, "Сотрудник")
    await admin.wait_until(lambda: "Отправьте имя" in offer.content)
    await admin.send_text("Сергей Кузовщик")
    await admin.wait_until(lambda: "Имя: Сергей Кузовщик" in offer.content)
    assert "Уровень: сотрудник" in offer.content
    assert taps.count <= 4, f"{taps.count} taps after typing the phone (budget 4)"
    assert len(admin.messages) == messages_before, "the registration is the offer's message, edited"

    await newcomer.send_text("/start")
    await newcomer.wait_text("Отправить мой номер")
    await newcomer.send_contact()
    welcome = await newcomer.wait_text("Вы подключены")
    assert "сотрудник" in welcome.content
    await admin.wait_text("Сергей Кузовщик (+375296160001) подключился к боту")
    assert db_rows(bot, "SELECT level, name FROM users WHERE telegram_id = ?", (newcomer.id,)) == [
        (2, "Сергей Кузовщик")
    ]
    # the level works at once: the newcomer opens the order calendar
    await rescan(newcomer)


async def _typed_search(employee: SimUser, part: str) -> int:
    """/order, "search", type `part`: the index the bot's answer to it gets in the chat."""
    calendar = await rescan(employee)
    await employee.press(next(d for t, d in calendar.buttons() if "Поиск" in t), calendar.message_id)
    await employee.wait_text("часть номера")
    before = len(employee.messages)
    await employee.send_text(part)
    return before


async def _photo_after(
    employee: SimUser, client: SimUser, number: str, choice: BotMessage | None = None, since: int = 0
) -> None:
    """From the order's button on `choice` - or, without one, from a typed search that found only this
    order (its answers from `since` on) - one message, one stage tap, the photo filed and delivered."""
    taps = Taps(employee)
    before = since
    if choice is not None:
        before = len(employee.messages)
        await taps.press_on(choice, number)
    card = await employee.wait_text("Выберите тип действия")
    assert number in card.content
    await employee.wait_until(lambda: employee.pinned is not None and number in employee.pinned.content)
    query = await taps.press_on(card, STAGE)
    await stage_chosen(employee, query)
    between = employee.messages[before:]
    assert len(between) == 1, "one message between the choice and the photo:\n" + employee.dump()
    assert taps.count == (1 if choice is None else 2)  # (the order,) the stage
    await employee.send_photo(blob(f"кузов-{number}"))
    report = await wait_report(employee)
    assert "Сохранено" in report.content and STAGE in employee.pinned.content  # type: ignore[union-attr]
    delivered = await client.wait_for(lambda m: m.kind == "photo", timeout=20)
    assert number in delivered[0].content and STAGE in delivered[0].content


async def test_choosing_an_order_is_one_message_before_the_photo(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    client = emulator.add_user(first_name="Марина", phone="+375296160011")
    await connect(client)
    add_order(bot.branch_photo, "w000616001", client.phone, plate_number="6161 WD-7")
    employee = await staff(bot, emulator, "+375296160012")

    # typed: a part of the number that only this open order has - opened at once, no list to tap
    await _photo_after(employee, client, "w000616001", since=await _typed_search(employee, "616001"))

    # the calendar: today's list; the same budget, the pin edited (not pinned anew)
    pin = employee.pinned
    calendar = await rescan(employee)
    _, data = calendar_day_button(calendar, date.today())
    await employee.press(data, calendar.message_id)
    day = await employee.wait_text("Заказ-наряды за")
    assert any("w000616001" in text for text, _ in day.buttons()), day.describe()
    await _photo_after(employee, client, "w000616001", day)
    assert employee.pinned is pin, "the pin is edited in place"


async def test_a_protocol_is_found_by_a_part_of_the_number(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    client = emulator.add_user(first_name="Ольга", phone="+375296160021")
    await connect(admin)
    await connect(client)
    add_order(bot.branch_photo, "w000616777", client.phone)
    employee = await staff(bot, emulator, "+375296160022")
    await _photo_after(employee, client, "w000616777", since=await _typed_search(employee, "616777"))
    await client.send_document(blob("акт"), "акт приёмки.pdf", caption="подписал")
    await employee.wait_for(lambda m: m.kind == "document")
    [(rel_path,)] = db_rows(bot, "SELECT rel_path FROM media WHERE rel_path LIKE 'w000616777/%'")
    photo_name = rel_path.rsplit("/", 1)[-1]

    admin.mark()
    await admin.send_text("/admin")
    menu = await admin.wait_text("Меню администратора")
    taps = Taps(admin)
    await taps.press_on(menu, "Протокол по заказ-наряду")
    await admin.wait_text("номер заказ-наряда или его часть")
    await admin.send_text("6167")  # a part of the number
    protocol = await admin.wait_text("Протокол беседы по заказ-наряду w000616777")
    assert taps.count <= 2, f"{taps.count} taps to a protocol"
    assert f"[фото {photo_name}, этап «{STAGE}»]" in protocol.content, protocol.content
    assert "[документ акт приёмки.pdf, этап «Файлы клиента»] подписал" in protocol.content, protocol.content


async def test_care_answers_two_clients_alternately_without_a_tap(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    agent = emulator.add_user(first_name="Алла", phone="+375296160031")
    other_agent = emulator.add_user(first_name="Борис", phone="+375296160032")
    first = emulator.add_user(first_name="Олег", phone="+375296160033")
    second = emulator.add_user(first_name="Нина", phone="+375296160034")
    await connect_as(bot, agent, 4, name="Алла")
    await connect_as(bot, other_agent, 4, name="Борис")
    for client, text in ((first, "Когда готова машина?"), (second, "Сколько стоит диагностика?")):
        await connect(client)
        await client.send_text("💬 Написать в службу заботы")
        await client.wait_text("Напишите ваше сообщение")
        await client.send_text(text)
        await client.wait_text("передано в службу заботы")
    from_first = await agent.wait_text("Когда готова машина?")
    from_second = await agent.wait_text("Сколько стоит диагностика?")
    copy_for_boris = await other_agent.wait_text("Когда готова машина?")

    taps_before = len(agent.callback_answers)
    confirmed: dict[SimUser, int] = {}  # the last "Отправлено клиенту …" per client
    answers = [
        (first, "Завтра к обеду", from_first.message_id),
        (second, "Диагностика — 40 рублей", from_second.message_id),
        (second, "Запишу вас на утро", None),  # the conversation follows the last client
        (first, "Ключи у администратора", from_first.message_id),
        (second, "Захватите сервисную книжку", "confirmation"),  # a reply to "Отправлено клиенту Нина"
    ]
    for client, text, reply_to in answers:
        target = confirmed[client] if reply_to == "confirmation" else reply_to
        await agent.send_text(text, reply_to=target if isinstance(target, int) else None)
        name = "Олег" if client is first else "Нина"
        sent = await agent.wait_text("Отправлено клиенту")
        assert name in sent.content, sent.content
        confirmed[client] = sent.message_id
        await client.wait_text(text)
    assert len(agent.callback_answers) == taps_before, "no button between the answers"

    mine = {
        first: ["Завтра к обеду", "Ключи у администратора"],
        second: ["Диагностика", "Запишу вас", "сервисную книжку"],
    }
    theirs = {first: mine[second], second: mine[first]}
    for client in (first, second):
        got = _texts(client)
        assert all(any(t in g for g in got) for t in mine[client])
        assert not any(t in g for t in theirs[client] for g in got), f"{client!r} got another's answer"
    # the other agent sees who took both requests; his reply to a taken one is refused, not sent
    await other_agent.wait_until(lambda: any("Алла" in t for t, _ in copy_for_boris.buttons()))
    await other_agent.send_text("Это ответ Бориса", reply_to=copy_for_boris.message_id)
    refused = await other_agent.wait_text("уже взял(а) Алла")
    assert "не отправлен" in refused.content
    taken = "SELECT taken_by FROM care_threads WHERE client_id IN (?, ?)"
    assert db_rows(bot, taken, (first.id, second.id)) == [(agent.id,), (agent.id,)]
    assert not any("Бориса" in text for text in _texts(first))


async def test_a_tour_of_every_role_reads_in_words(emulator: TelegramEmulator, bot: BotProcess) -> None:
    """Each role's /help, the admin's protocols and lists, the client's orders and report, the
    employee's /type: the transcript guard reads what they all showed."""
    admin = emulator.add_user(first_name="Админ", phone=ADMIN_PHONE)
    client = emulator.add_user(first_name="Зоя", phone="+375296160041")
    care = emulator.add_user(first_name="Вера", phone="+375296160042")
    await connect(admin)
    await connect(client)
    await connect_as(bot, care, 4, name="Вера")
    add_order(bot.branch_photo, "w000616041", client.phone, plate_number="4141 TT-7")
    employee = await staff(bot, emulator, "+375296160043")
    await _photo_after(employee, client, "w000616041", since=await _typed_search(employee, "616041"))
    await client.send_text("Спасибо, а когда забирать?")
    await employee.wait_text("когда забирать")
    # what a text cannot say: each is answered in words (and read by the guard)
    for send in (client.send_sticker, client.send_voice, lambda: client.send_location(53.9, 27.56)):
        client.mark()
        await send()
        await client.wait_for(count=1, timeout=15)
    stranger = emulator.add_user(first_name="Гость", phone="+375296160044")  # no order: care answers
    await connect(stranger)
    await stranger.send_text("💬 Написать в службу заботы")
    await stranger.wait_text("Напишите ваше сообщение")
    await stranger.send_document(blob("pdf"), "счёт.pdf", caption="Вопрос по счёту")
    await care.wait_for(lambda m: m.kind == "document", timeout=15)

    for person in (admin, client, employee, care):
        person.mark()
        await person.send_text("/help")
        await person.wait_for(count=1)
    for label in ("Протокол вне открытых", "Все пользователи", "Выгрузить список"):
        admin.mark()
        await admin.send_text("/admin")
        menu = await admin.wait_text("Меню администратора")
        await Taps(admin).press_on(menu, label)
        await admin.wait_until(lambda m=menu: m.edited or len(admin.messages) > admin.messages.index(m) + 1)

    client.mark()
    await client.send_text("📋 Мои заказы")
    listing = await client.wait_text("Ваши заказ-наряды")
    assert "w000616041" in listing.content and "4141 TT-7" in listing.content
    await client.press_button("Отчёт · w000616041")
    report = await client.wait_for(lambda m: m.kind == "document", timeout=30)
    assert report[0].file_name is not None and "w000616041" in report[0].file_name

    employee.mark()
    await employee.send_text("/type")
    await employee.wait_text("Выберите тип действия")


async def test_a_stage_that_cannot_be_pinned_is_confirmed_in_a_message(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    """Without a pin to show the stage, the stage tap says it in a message of its own (and the photo
    is still filed under that stage)."""
    client = emulator.add_user(first_name="Лев", phone="+375296160051")
    await connect(client)
    add_order(bot.branch_photo, "w000616051", client.phone)
    employee = await staff(bot, emulator, "+375296160052")
    await _typed_search(employee, "616051")  # the only one: its card at once
    card = await employee.wait_text("Выберите тип действия")
    await employee.wait_until(lambda: employee.pinned is card)
    employee.mark()
    emulator.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
    emulator.fail_next("pinChatMessage", 400, description="Bad Request: not enough rights to pin a message")
    await employee.press(next(d for t, d in card.buttons() if t == STAGE), card.message_id)
    await employee.wait_text("Не удалось закрепить")
    await employee.wait_text(f"тип действия «{STAGE}»")
    await employee.send_photo(blob("кузов-без-пина"))
    report = await wait_report(employee)
    assert "Сохранено" in report.content and STAGE in report.content
