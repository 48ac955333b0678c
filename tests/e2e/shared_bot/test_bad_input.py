"""Bad input end to end: each gets a clear answer and nothing is lost.

Orders whose content.txt is malformed or missing, order numbers with odd characters, document names
with path tricks, long texts and markup characters, forged and stale buttons, content the bot does not
handle. One bot for the module (see conftest), each test with its own users and orders. A missing
BRANCH_PHOTO needs a bot of its own: test_bad_input_folder.py.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.flows import CARD, STAGE, blob, choose_stage, find, listed_numbers, wait_report
from tests.e2e.harness import BotProcess
from tests.e2e.helpers import add_order, connect, connect_as, db_rows, indexed_order_id, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one shared bot: see conftest.py

SHARED_BOT = {"send_rate_per_chat": 3.0}


async def employee_of(bot: BotProcess, emulator: TelegramEmulator, phone: str) -> SimUser:
    employee = emulator.add_user(first_name="Мастер", phone=phone)
    await connect_as(bot, employee, 2, name="Мастер")
    return employee


async def search_and_open(employee: SimUser, part: str, number: str) -> BotMessage:
    """/order (a rescan), search by `part`: the card of `number` - at once when it is the only match,
    else after a tap on its button in the list."""
    shown = await find(employee, part)
    if CARD in shown.content:
        assert number in shown.content, employee.dump()
        return shown
    assert number in listed_numbers(shown), shown.buttons()
    await employee.press_button(number)
    return await employee.wait_text(CARD)


def all_callback_data(*users: SimUser) -> list[str]:
    return [data for user in users for message in user.messages for _, data in message.buttons() if data]


def callback_texts(user: SimUser) -> list[str]:
    return [answer.get("text") or "" for answer in user.callback_answers]


# --- content.txt malformed or missing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "why"), [("a000190002", "malformed JSON"), ("a000190003", "no content.txt")]
)
async def test_order_without_client_data_takes_photos_that_are_saved_not_sent(
    emulator: TelegramEmulator, bot: BotProcess, number: str, why: str
) -> None:
    employee = await employee_of(bot, emulator, "+37529220000" + number[-1])
    await search_and_open(employee, number[-5:], number)
    warning = next(m for m in employee.messages if "нет данных клиента" in m.content.lower())  # the card
    assert number in warning.content, why
    await choose_stage(employee)
    photo = await employee.send_photo(blob(f"no-data-{number}"), caption="без клиента")
    report = await wait_report(employee)
    assert "Сохранено: 1 файл" in report.content and number in report.content
    assert "нет данных клиента" in report.content and "Отправлено клиенту" not in report.content
    saved = [p for p in (bot.branch_photo / number).rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in saved if p.name.endswith(f"_{photo['message_id']}.jpg")] == [
        blob(f"no-data-{number}")
    ]
    rows = db_rows(
        bot,
        "SELECT m.id, (SELECT COUNT(*) FROM media_deliveries d WHERE d.media_id = m.id) FROM media m"
        " WHERE m.employee_id = ? AND m.message_id = ?",
        (employee.id, photo["message_id"]),
    )
    assert len(rows) == 1 and rows[0][1] == 0, "saved once, queued for nobody"


# --- order numbers with odd characters ------------------------------------------------------------

ODD_NUMBERS = [
    ("a-1 №5 (копия)", "№5 (коп"),
    ("ЗН_2026#7", "ЗН_2026#"),
    ("x'; DROP TABLE orders;--", "DROP TABLE"),
]


async def test_odd_order_numbers_are_found_chosen_and_filed_into(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    client_phone = "+375297000301"
    for number, _ in ODD_NUMBERS:
        add_order(bot.branch_photo, number, client_phone)
    employee = await employee_of(bot, emulator, "+375292200011")
    client = emulator.add_user(first_name="Клиент", phone=client_phone)
    await connect(client)
    for number, part in ODD_NUMBERS:
        await search_and_open(employee, part, number)
        await employee.wait_until(
            lambda n=number: employee.pinned is not None and n in employee.pinned.content
        )
        await choose_stage(employee)
        photo = await employee.send_photo(blob(number))
        report = await wait_report(employee)
        assert "Сохранено: 1 файл" in report.content and number in report.content, report.content
        got = await client.wait_for(lambda m: m.kind == "photo")
        assert number in got[0].content
        folder = bot.branch_photo / number / "Inspection"
        assert [p.read_bytes() for p in folder.iterdir() if f"_{photo['message_id']}." in p.name] == [
            blob(number)
        ]
    numbers = {row[0] for row in db_rows(bot, "SELECT number FROM orders WHERE is_open = 1")}
    assert {number for number, _ in ODD_NUMBERS} <= numbers and "a000177322" in numbers
    data = all_callback_data(employee)
    assert data and all(len(item.encode()) <= 64 for item in data), data


# --- document names with path tricks ------------------------------------------------------------


async def test_document_names_with_path_tricks_stay_inside_the_order_folder(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number = "d000400004"
    add_order(bot.branch_photo, number, "+375297000401")
    employee = await employee_of(bot, emulator, "+375292200021")
    root = bot.branch_photo.parent
    before = {p for p in root.rglob("*") if p.is_file()}
    await search_and_open(employee, number, number)
    await choose_stage(employee, "Прочее")
    long_name = "д" * 296 + ".txt"  # 300 characters
    names = ["..\\..\\evil.txt", "CON.txt", long_name, "../../../../etc/passwd"]
    for index, name in enumerate(names):
        await employee.send_document(blob(f"doc-{index}"), file_name=name)
        report = await wait_report(employee)
        assert "Сохранено: 1 файл" in report.content, (name, report.content)
    other = bot.branch_photo / number / "Other"
    new = {p for p in root.rglob("*") if p.is_file()} - before
    bots_own = ("bot.db", bot.output_path.name, "recording_dialog", "all_recording_dialog")  # db, logs
    escaped = [
        p
        for p in new
        if p.parent != other and not p.is_relative_to(bot.log_dir) and not p.name.startswith(bots_own)
    ]
    assert not escaped and len([p for p in new if p.parent == other]) == len(names), new
    assert not (root.parent / "evil.txt").exists()
    by_content = {p.read_bytes(): p.name for p in new}
    assert by_content[blob("doc-0")] == "evil.txt"
    assert by_content[blob("doc-1")].casefold() != "con.txt" and by_content[blob("doc-1")].endswith(".txt")
    assert len(by_content[blob("doc-2")]) <= 120 and by_content[blob("doc-2")].endswith(".txt")
    assert by_content[blob("doc-3")] == "passwd"
    rel = [row[0] for row in db_rows(bot, "SELECT rel_path FROM media WHERE employee_id = ?", (employee.id,))]
    assert len(rel) == 4 and all(path.startswith(f"{number}/Other/") and ".." not in path for path in rel)


# --- long texts and markup characters -----------------------------------------------------------


async def test_markup_characters_and_a_full_length_text_arrive_intact(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number, phone = "d000500005", "+375297000501"
    name = "<b>&amp;*_["
    add_order(bot.branch_photo, number, phone)
    employee = await employee_of(bot, emulator, "+375292200031")
    client = emulator.add_user(first_name=name, phone=phone)
    await connect(client)
    await search_and_open(employee, number, number)

    for text in ("a < b & c > d", "*bold* _it_ [x](y) `code` ~s~ ||sp||", "&lt; &amp; <i>не курсив</i>"):
        await employee.send_text(text)
        got = await client.wait_text(text)
        assert got.content.split("\n", 1)[1] == text
        assert not got.raw.get("entities", [])[1:], "only the header is bold"

    # 4096 characters, every one of them escaped-sensitive or Markdown-looking: split, nothing lost
    unit = "a<b&c>d *x* _y_ [z](w) "
    long_text = (unit * (4096 // len(unit) + 1))[:4096].rstrip() + "!"
    long_text = long_text[:4095] + "!"
    assert len(long_text) == 4096
    await employee.send_text(long_text)
    parts = await client.wait_for(lambda m: "a<b&c>d" in m.content, count=2, timeout=15)
    body = [parts[0].content.split("\n", 1)[1], *(p.content for p in parts[1:])]
    assert "Сообщение от Мастер" in parts[0].content
    assert " ".join(body).split() == long_text.split()
    assert re.sub(r"\s", "", "".join(body)) == re.sub(r"\s", "", long_text)

    await client.send_text("ответ *жирный* <b>нет</b> & [ссылка](http://x)")
    reply = await employee.wait_text("ответ *жирный*")
    assert "ответ *жирный* <b>нет</b> & [ссылка](http://x)" in reply.content
    assert name in reply.content and number in reply.content


# --- forged and stale buttons -------------------------------------------------------------------


async def test_forged_and_stale_buttons_are_refused_and_change_nothing(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number, phone = "d000600006", "+375297000601"
    add_order(bot.branch_photo, number, phone)
    employee = await employee_of(bot, emulator, "+375292200041")
    client = emulator.add_user(first_name="Клиент", phone=phone)
    stranger = emulator.add_user(first_name="Чужой", phone="+375292200042")
    await connect(client)
    stages = await search_and_open(employee, number, number)
    oid = await indexed_order_id(bot, number)
    pick = f"or:o:{oid}:0"  # what its button in a list of found orders carries (this search opened it)
    stage = next(data for text, data in stages.buttons() if STAGE in text)

    # a client and an unregistered user press the employee's real order and stage buttons
    await stranger.send_text("/start")
    greeting = await stranger.wait_text("Отправить мой номер")
    client_msg = client.messages[-1].message_id
    for user, message_id in ((client, client_msg), (stranger, greeting.message_id)):
        for data in (pick, stage, f"ad:sl:{client.id}:1", f"cv:o:{oid}"):
            await user.press(data, message_id=message_id)
    await emulator.wait_until(
        lambda: len(client.callback_answers) >= 4 and len(stranger.callback_answers) >= 4
    )
    assert all("недоступна" in text for text in callback_texts(client) + callback_texts(stranger))
    assert db_rows(bot, "SELECT level FROM users WHERE telegram_id = ?", (client.id,)) == [(3,)]
    contexts = "SELECT COUNT(*) FROM work_context WHERE telegram_id IN (?, ?)"
    assert db_rows(bot, contexts, (client.id, stranger.id)) == [(0,)]
    assert db_rows(bot, "SELECT COUNT(*) FROM users WHERE telegram_id = ?", (stranger.id,)) == [(0,)]

    # an employee presses an admin-only button: refused, nobody's level changes
    await employee.press(f"ad:sl:{employee.id}:1")
    await emulator.wait_until(lambda: any("недоступна" in t for t in callback_texts(employee)))
    assert db_rows(bot, "SELECT level FROM users WHERE telegram_id = ?", (employee.id,)) == [(2,)]

    # the order is closed (its folder renamed): its old buttons say so and change nothing
    await choose_stage(employee)
    (bot.branch_photo / number).rename(bot.branch_photo / f"{number}closed")
    await rescan(employee)
    answers = len(employee.callback_answers)
    for data in (pick, stage, f"cv:o:{oid}", "or:o:987654321:0", "or:t:987654321:0"):
        await employee.press(data, message_id=stages.message_id)
    await emulator.wait_until(lambda: len(employee.callback_answers) >= answers + 5)
    refusals = callback_texts(employee)[answers:]
    assert all("закрыт или не найден" in text for text in refusals), refusals
    context = "SELECT order_id, type_label FROM work_context WHERE telegram_id = ?"
    assert db_rows(bot, context, (employee.id,)) == [(oid, STAGE)], "a refused button changes nothing"
    await employee.send_photo(blob("after-close"))
    await employee.wait_text("заказ-наряд закрыт или его папка удалена")
    assert not (bot.branch_photo / number).exists()


# --- content the bot does not handle ------------------------------------------------------------


async def test_stickers_voice_locations_and_polls_get_a_clear_answer(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    number, phone = "d000700007", "+375297000701"
    add_order(bot.branch_photo, number, phone)
    employee = await employee_of(bot, emulator, "+375292200051")
    client = emulator.add_user(first_name="Клиент", phone=phone)
    await connect(client)
    await search_and_open(employee, number, number)
    await choose_stage(employee)  # in an order with a stage: files would be filed and sent
    await employee.send_text("Здравствуйте")
    await client.wait_text("Здравствуйте")  # the client now replies into this order
    for user in (employee, client):
        for action in (
            lambda u: u.send_sticker(),
            lambda u: u.send_voice(),
            lambda u: u.send_location(53.9, 27.56),
            lambda u: u.send_poll("Когда?", ["Сегодня", "Завтра"]),
        ):
            user.mark()
            await action(user)
            await user.wait_text("не обрабатывает")
    assert db_rows(bot, "SELECT COUNT(*) FROM media WHERE employee_id = ?", (employee.id,)) == [(0,)]
    client.mark()
    await employee.send_text("Всё получили?")
    await client.wait_text("Всё получили?")
    assert not [m for m in client.messages if m.kind not in ("text",)], "nothing relayed to the client"
    relayed = [m for m in employee.messages if "Ответ клиента" in m.content]
    assert not relayed, "nothing relayed to the employee"
