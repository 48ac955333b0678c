"""Employee steps through the bot's screens, shared by the order and media tests."""

from __future__ import annotations

from datetime import date

from tests.e2e.harness import BotProcess
from tests.e2e.helpers import connect_as, rescan
from tests.emulator import BotMessage, SimUser, TelegramEmulator

ORDER = "a000177322"  # fixture: open, client phone +375298943508
CLIENT_PHONE = "+375298943508"
STAGE = "Прием автомобилей"


def blob(tag: str, size: int = 2048) -> bytes:
    return (tag.encode() * (size // max(1, len(tag)) + 1))[:size]


def largest(sent: dict) -> str:
    return (
        sent["photo"][-1]["file_id"]
        if "photo" in sent
        else next(sent[k]["file_id"] for k in ("video", "document") if k in sent)
    )


def listed_numbers(message: BotMessage) -> list[str]:
    """The order numbers of an order list's buttons ("✅ <number> · <plate> · <client>")."""
    return [
        text.split(" · ")[0].split(" ", 1)[-1]
        for text, data in message.buttons()
        if data and data.startswith("or:")
    ]


def calendar_day_button(message: BotMessage, day: date) -> tuple[str, str]:
    wanted = f"oc:DAY:{day.year}:{day.month}:{day.day}"
    return next((text, data) for text, data in message.buttons() if data == wanted)


async def choose_by_calendar(employee: SimUser, number: str = ORDER) -> None:
    await employee.send_text("/order")
    calendar = await employee.wait_text("Выберите заказ-наряд")
    text, data = calendar_day_button(calendar, date.today())
    assert "•" in text, "today has open orders (the fixture folders were just created)"
    await employee.press(data, calendar.message_id)
    await employee.wait_text("Заказ-наряды за")
    await employee.press_button(number)
    await employee.wait_text("Выберите тип действия")


CARD = "Выберите тип действия"  # the order card (an order just opened)
FOUND = "Найдено"  # the list of several found orders


async def find(employee: SimUser, part: str) -> BotMessage:
    """/order (a rescan), "search by part of the number", type `part`: the list of the orders found or,
    when exactly one is, the card of that order, opened at once."""
    calendar = await rescan(employee)
    button = next(data for text, data in calendar.buttons() if "Поиск" in text)
    await employee.press(button, calendar.message_id)
    await employee.wait_text("часть номера")
    await employee.send_text(part)
    shown = await employee.wait_for(lambda m: FOUND in m.content or CARD in m.content)
    return shown[0]


async def search(employee: SimUser, part: str) -> BotMessage:
    """A search that finds several orders: their list."""
    found = await find(employee, part)
    assert FOUND in found.content, employee.dump()
    return found


async def open_by_search(employee: SimUser, number: str = ORDER) -> BotMessage:
    """Choose the order by its number (unlike the calendar, whatever day its folder is dated): its card,
    straight away when the number is the only match, else after a tap in the list."""
    shown = await find(employee, number)
    if CARD in shown.content:
        assert number in shown.content, employee.dump()
        return shown
    await employee.press_button(number)
    return await employee.wait_text(CARD)


async def choose_stage(employee: SimUser, stage: str = STAGE) -> None:
    """Tap a stage: no message of its own - the button's answer and the pin (edited) say it."""
    await stage_chosen(employee, await employee.press_button(stage), stage)


async def stage_chosen(employee: SimUser, query_id: str, stage: str = STAGE) -> None:
    """The stage tap `query_id` answered "тип действия «stage»", the pin showing that stage."""

    def answered() -> bool:
        return any(
            a["callback_query_id"] == query_id and f"«{stage}»" in (a.get("text") or "")
            for a in employee.callback_answers
        )

    await employee.wait_until(answered)
    pin = employee.pinned
    assert pin is not None and f"Тип действия: {stage}" in pin.content, employee.dump()


async def staff(bot: BotProcess, emulator: TelegramEmulator, phone: str) -> SimUser:
    employee = emulator.add_user(first_name="Petr", phone=phone)
    await connect_as(bot, employee, 2, name="Пётр Мастер")
    return employee


async def wait_report(employee: SimUser, timeout: float = 30.0) -> BotMessage:
    found = await employee.wait_for(
        lambda m: "Сохранено" in m.content or "Ничего не сохранено" in m.content, timeout=timeout
    )
    return found[0]
