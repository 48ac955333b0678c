"""Every user-facing string of the bot, in Russian.

Messages are sent with parse_mode HTML, so every value that comes from a user, a file or a
folder name goes through `esc()` here, never in handlers.
"""

from __future__ import annotations

import html
import time

from database.digest import DigestFigures
from database.users import Level


def esc(value: object) -> str:
    """HTML-escape anything shown to a user (names, texts, order numbers, file names)."""
    return html.escape(str(value), quote=False)


# --- common: registration, roles, help ----------------------------------------------

LEVEL_NAMES = {
    Level.ADMIN: "администратор",
    Level.EMPLOYEE: "сотрудник",
    Level.CLIENT: "клиент",
    Level.CARE: "служба заботы",
}

SHARE_PHONE_BUTTON = "📱 Отправить мой номер телефона"
ACCESS_BLOCKED = "⛔ Доступ к боту заблокирован. Обратитесь в сервисный центр."
NOT_REGISTERED = "Чтобы пользоваться ботом, нажмите /start и отправьте свой номер телефона."
FOREIGN_CONTACT = (
    "Это чужой контакт. Для подключения нужен <b>ваш</b> номер телефона: "
    "нажмите кнопку «📱 Отправить мой номер телефона» внизу экрана."
)
BAD_CONTACT_PHONE = "Не удалось распознать номер телефона. Нажмите кнопку «📱 Отправить мой номер телефона»."
BUTTON_NO_RIGHTS = "Эта кнопка вам недоступна."
BUTTON_STALE = "Кнопка устарела. Начните заново."
UNKNOWN_INPUT = "Не понял сообщение. Список команд: /help"
UNSUPPORTED_CONTENT = "Такие сообщения бот не обрабатывает: отправьте текст, фото, видео или документ."
INTERNAL_ERROR = "⚠️ Не удалось обработать сообщение из-за внутренней ошибки. Попробуйте ещё раз чуть позже."
CANCELLED = "Действие отменено."
NOTHING_TO_CANCEL = "Отменять нечего."


def greeting(organization: str) -> str:
    return (
        f"Здравствуйте! Это бот <b>{esc(organization)}</b>.\n"
        "Здесь вы будете получать фото и видео о работах с вашим автомобилем "
        "и сможете переписываться с сервисом.\n\n"
        "Чтобы подключиться, нажмите кнопку «📱 Отправить мой номер телефона» внизу экрана."
    )


def registered(organization: str, level: Level) -> str:
    text = f"✅ Вы подключены к боту <b>{esc(organization)}</b>."
    if level is Level.CLIENT:
        return text + "\nФото, видео и сообщения по вашему автомобилю будут приходить сюда."
    return text + f"\nВаша роль: {LEVEL_NAMES[level]}. Список команд: /help"


def already_registered(level: Level) -> str:
    return f"Вы уже подключены. Ваша роль: {LEVEL_NAMES[level]}. Список команд: /help"


COMMAND_DESCRIPTIONS = {
    "start": "Подключение к боту",
    "help": "Что умеет бот",
    "order": "Выбрать заказ-наряд",
    "type": "Выбрать тип действия",
    "admin": "Меню администратора",
    "support": "Написать в службу заботы",
    "cancel": "Отменить текущее действие",
}

_HELP_ADMIN = (
    "<b>Администратор</b>\n"
    "/admin — меню администратора: уровень доступа, имя и активность пользователей, "
    "протоколы бесед, список пользователей.\n"
)
_HELP_EMPLOYEE = (
    "<b>Сотрудник</b>\n"
    "/order — выбрать заказ-наряд: по календарю, по части номера, по штрих-коду или по фото госномера.\n"
    "/type — выбрать тип действия (приемка, повреждения и т.д.).\n"
    "Выбранный заказ-наряд и тип закреплены сверху чата. После выбора отправляйте фото, видео "
    "и документы — они сохраняются в папку заказ-наряда и уходят клиенту "
    "(кроме типа «Для сервисных нужд»).\n"
    "Текст, написанный в заказ-наряде, уходит клиенту. Ответ клиента придёт с номером заказ-наряда "
    "и кнопкой, чтобы вернуться в него.\n"
    "Под отчётом «Сохранено» — отметки 🟢 ок / 🟡 скоро / 🔴 срочно (или начните подпись с 🔴 или слова "
    "«срочно»). «🛠 Рекомендации» в карточке заказ-наряда — работы на согласование клиенту.\n"
)
_HELP_CARE = (
    "<b>Служба заботы</b>\n"
    "Сюда приходят обращения клиентов с их телефоном. Нажмите «Ответить» под обращением, "
    "чтобы написать клиенту.\n"
    "/order — открыть заказ-наряд, как сотрудник.\n"
)
_HELP_CLIENT = (
    "Сюда приходят фото, видео и сообщения сервиса по вашему автомобилю.\n"
    "Чтобы ответить сотруднику, просто напишите сообщение.\n"
    "/support или кнопка «Написать в службу заботы» — обращение в службу заботы, например жалоба.\n"
    "/orders или кнопка «Мои заказы» — ваши открытые заказ-наряды: статус, отчёт, рекомендации.\n"
)
_HELP_CANCEL = "/cancel — отменить текущее действие."


def help_text(level: Level) -> str:
    parts = {
        Level.ADMIN: [_HELP_ADMIN, _HELP_EMPLOYEE],
        Level.EMPLOYEE: [_HELP_EMPLOYEE],
        Level.CARE: [_HELP_CARE],
        Level.CLIENT: [_HELP_CLIENT],
    }[level]
    return "\n".join([*parts, _HELP_CANCEL])


CARE_BUTTON = "💬 Написать в службу заботы"


# --- conversations, care, admin --------------------------------------------------------

CANCEL_BUTTON = "✖️ Отмена"
NO_OPEN_ORDER = "нет открытого заказ-наряда"


def user_name(name: str | None, phone: str | None = None) -> str:
    """How a person is named in a message to staff: name and phone, escaped."""
    parts = [esc(part) for part in (name, phone) if part]
    return ", ".join(parts) or "без имени"


# employee -> client
def staff_message_header(name: str, organization: str) -> str:
    return f"✉️ <b>Сообщение от {esc(name)}, {esc(organization)}</b>"


RELAY_NO_ORDER = (
    "Сообщение не отправлено: не выбран заказ-наряд.\n"
    "Выберите заказ-наряд командой /order и напишите клиенту снова."
)


def relay_order_closed(number: str) -> str:
    return (
        f"Сообщение не отправлено: заказ-наряд <b>{esc(number)}</b> закрыт.\n"
        "Выберите открытый заказ-наряд командой /order."
    )


def relay_no_client(number: str) -> str:
    return (
        f"Сообщение не отправлено: клиент по заказ-наряду <b>{esc(number)}</b> не подключен к боту.\n"
        "Попросите клиента открыть ссылку на бота, нажать «Старт» и отправить свой номер телефона "
        "(номер должен совпадать с номером в заказ-наряде)."
    )


def relay_no_name(tg_name: str) -> str:
    return (
        f"ℹ️ Клиенты видят ваше имя из Telegram: «{esc(tg_name)}». Попросите администратора указать "
        "ваше имя в боте (/admin → «Имя пользователя»)."
    )


def relay_failed(number: str | None, blocked: int, failed: int) -> str:
    about = f" по заказ-наряду <b>{esc(number)}</b>" if number else ""
    lines = [f"⚠️ Сообщение клиенту{about} не доставлено."]
    if blocked:
        lines.append("Клиент заблокировал бота или удалил чат с ним.")
    if failed:
        lines.append("Telegram отказался доставить сообщение. Попробуйте отправить его ещё раз.")
    return "\n".join(lines)


# client -> staff
def client_reply_header(name: str | None, phone: str, number: str) -> str:
    return f"💬 <b>Ответ клиента</b> {user_name(name, phone)}\nЗаказ-наряд: <b>{esc(number)}</b>"


def switch_order_button(number: str) -> str:
    return f"➡️ Перейти в заказ-наряд {number}"  # button text: plain, not HTML


def outside_order_header(name: str | None, phone: str, number: str | None) -> str:
    order = f"заказ-наряд <b>{esc(number)}</b> закрыт" if number else "без заказ-наряда"
    return (
        f"💬 <b>Сообщение клиента вне открытых заказ-нарядов</b> ({order})\nКлиент: {user_name(name, phone)}"
    )


REPLY_TO_CLIENT_BUTTON = "✍️ Ответить клиенту"
SWITCH_ORDER_GONE = "Этот заказ-наряд уже закрыт или не найден."
CLIENT_NOBODY = (
    "Сейчас нет сотрудника, который ведёт с вами переписку. Вы можете отправить сообщение в службу заботы."
)
TO_CARE_BUTTON = "💬 Отправить в службу заботы"

# customer care
CARE_ASK = "Напишите ваше сообщение для службы заботы одним сообщением.\nОтменить — /cancel."
CARE_ASK_AGAIN = "Отправьте текст сообщения для службы заботы или нажмите /cancel."
CARE_SENT = "✅ Сообщение передано в службу заботы. Ответ придёт сюда."
CARE_NOBODY = "Сейчас некому принять обращение. Пожалуйста, попробуйте позже."


def care_request_header(name: str | None, phone: str) -> str:
    return f"📩 <b>Обращение в службу заботы</b>\nКлиент: {user_name(name, phone)}"


def care_message_header(name: str | None, phone: str) -> str:
    return f"💬 <b>Сообщение клиента для службы заботы</b>\nКлиент: {user_name(name, phone)}"


def care_reply_header(organization: str) -> str:
    return f"💬 <b>Служба заботы {esc(organization)}</b>"


def care_reply_ask(name: str | None, phone: str) -> str:
    return f"Напишите ответ клиенту {user_name(name, phone)} одним сообщением.\nОтменить — /cancel."


CARE_REPLY_ASK_AGAIN = "Отправьте текст ответа клиенту или нажмите /cancel."
CARE_REPLY_SENT = "✅ Ответ отправлен клиенту."
CLIENT_GONE = "Клиент не найден или отключён от бота."


# attention words
def attention_alert(word: str, orders: str | None, name: str | None, phone: str) -> str:
    """The header; the client's text follows it on the next line."""
    return (
        f"❗️ <b>Внимание: сообщение клиента</b> (слово «{esc(word)}»)\n"
        f"Заказ-наряд: <b>{esc(orders or NO_OPEN_ORDER)}</b>\n"
        f"Клиент: {user_name(name, phone)}\nТекст:"
    )


# admin menu
ACTIVITY_NAMES = {1: "активен", 2: "не активен"}
ADMIN_BAD_PHONE = (
    "Это не похоже на номер телефона. Отправьте номер, например +375291234567, или выберите из списка."
)
ADMIN_USER_GONE = "Пользователь не найден. Выберите другого."
ADMIN_NO_USERS = "В базе пока нет пользователей."
ADMIN_PREV = "◀️ Назад"
ADMIN_NEXT = "Вперёд ▶️"


def admin_users_page(page: int, pages: int) -> str:
    return f"Выберите пользователя (страница {page + 1} из {pages}):"


def user_line(name: str | None, tg_name: str, phone: str, level: int, activity: int) -> str:
    """Plain text (buttons and .txt lists): never HTML."""
    shown = name or tg_name or "без имени"
    return f"{shown} · {phone} · {LEVEL_NAMES[Level(level)]} · {ACTIVITY_NAMES[activity]}"


ADMIN_BAD_NAME = "Имя должно быть текстом от 1 до 64 символов. Отправьте имя ещё раз."
ADMIN_LAST_ADMIN = "Нельзя: вы единственный активный администратор. Сначала назначьте другого администратора."


def role_changed_notice(level: Level) -> str:
    return f"Администратор изменил вашу роль: {LEVEL_NAMES[level]}. Список команд: /help"


def admin_order_not_found(number: str) -> str:
    return f"Заказ-наряд «{esc(number)}» не найден. Отправьте номер ещё раз."


def order_protocol_title(number: str, is_open: bool) -> str:
    state = "открыт" if is_open else "закрыт"
    return f"Протокол беседы по заказ-наряду {number} ({state})"  # plain: file header / caption


GENERAL_PROTOCOL_TITLE = "Протокол бесед вне открытых заказ-нарядов"


def protocol_message(title: str, body: str) -> str:
    return f"<b>{esc(title)}</b>\n\n{esc(body)}"


def protocol_empty(title: str) -> str:
    return f"<b>{esc(title)}</b>\n\nЗаписей пока нет."


def users_summary(counts: dict[tuple[int, int], int], total: int) -> str:
    lines = [f"👥 <b>Пользователи: {total}</b>"]
    for level in Level:
        active = counts.get((int(level), 1), 0)
        inactive = counts.get((int(level), 2), 0)
        if active or inactive:
            lines.append(f"{LEVEL_NAMES[level]}: активных {active}, не активных {inactive}")
    lines.append("Полный список — в файле.")
    return "\n".join(lines)


USERS_FILE_TITLE = "Пользователи бота"


# --- orders and media ---------------------------------------------------------------

CALENDAR_DAYS = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
CALENDAR_MONTHS = ["Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек"]
CALENDAR_CANCEL = "Закрыть"
CALENDAR_TODAY = "Сегодня"
ORDER_SEARCH_BUTTON = "🔎 Поиск по части номера"
ORDER_BARCODE_BUTTON = "📷 Сканировать штрих-код"
ORDER_PLATE_BUTTON = "🚗 Фото госномера"
ORDER_CALENDAR_PROMPT = (
    "Выберите заказ-наряд.\n"
    "В календаре точкой (•) отмечены дни, когда открывались заказ-наряды. "
    "Или найдите заказ-наряд по части номера."
)
ORDER_INDEX_UNAVAILABLE = (
    "⚠️ Папка с заказ-нарядами сейчас недоступна, список может быть неполным. Сообщите администратору."
)
ORDER_SEARCH_PROMPT = "Введите часть номера заказ-наряда (например, <code>1773</code>). Отмена: /cancel"
ORDER_SEARCH_TEXT_ONLY = "Отправьте часть номера заказ-наряда текстом. Отмена: /cancel"
ORDER_STALE = "Этот заказ-наряд закрыт или не найден. Откройте список заново: /order"
TYPE_STALE = "Такого типа действия больше нет. Выберите заново: /type"
TYPE_NEED_ORDER = "Сначала выберите заказ-наряд: /order"
CALENDAR_CLOSED = "Календарь закрыт. Открыть снова: /order"
PIN_FAILED = "⚠️ Не удалось закрепить сообщение с заказ-нарядом, но выбор сохранён."
MEDIA_NO_ORDER = "Файл не сохранён: сначала выберите заказ-наряд командой /order, затем тип действия."
MEDIA_NO_TYPE = "Файл не сохранён: выберите тип действия командой /type и отправьте файл ещё раз."
MEDIA_ORDER_CLOSED = (
    "⛔ Файл не сохранён: заказ-наряд закрыт или его папка удалена. Выберите другой заказ-наряд: /order"
)
PROTOCOL_TO_SERVER_HIDDEN = "сервер (для сервисных нужд)"
PROTOCOL_TO_SERVER_NO_CLIENT = "сервер (клиент не подключен)"
HIDDEN_TYPE_MARK = "🔒 "


def protocol_to_client(phone: str) -> str:
    return f"клиент {phone}"


def _order_line(number: str) -> str:
    return f"Заказ-наряд <b>{esc(number)}</b>"


def order_search_none(part: str) -> str:
    return f"Открытых заказ-нарядов с «{esc(part)}» в номере нет. Введите другую часть номера или /cancel."


def order_search_too_many(part: str, limit: int) -> str:
    return f"По «{esc(part)}» найдено больше {limit} заказ-нарядов. Уточните: введите больше цифр номера."


def type_prompt(number: str) -> str:
    return f"{_order_line(number)}\nВыберите тип действия:"


STAGE_NEXT_STEP = "📷 Отправляйте фото, видео и документы."
STAGE_HIDDEN_NOTE = (
    "🔒 Этот тип — для сервисных нужд: файлы сохраняются на сервере и клиенту не отправляются."
)


def type_chosen(number: str, type_label: str, hidden: bool) -> str:
    text = f"✅ {_order_line(number)}, тип действия «{esc(type_label)}».\n{STAGE_NEXT_STEP}"
    if hidden:
        text += f"\n{STAGE_HIDDEN_NOTE}"
    return text


def type_chosen_alert(type_label: str) -> str:
    """The stage button's answer (a toast, plain text): the pin above shows the stage."""
    return f"✅ Тип действия «{type_label[:60]}». Отправляйте фото, видео и документы."


def media_header(number: str, type_label: str, employee: str, organization: str) -> str:
    """Caption header of a file sent to a client."""
    who = f"{esc(employee)}, {esc(organization)}" if employee else esc(organization)
    return f"🚗 {_order_line(number)} · {esc(type_label)}\n👤 {who}"


def backlog_intro(organization: str, numbers: list[str], count: int) -> str:
    orders = ", ".join(f"<b>{esc(number)}</b>" for number in numbers)
    return (
        f"Здравствуйте! Это <b>{esc(organization)}</b>. Пока вы не были подключены к боту, "
        f"по вашему автомобилю (заказ-наряд {orders}) мы сняли материалы: {_files(count)}. Отправляем их."
    )


def plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian form for `count`: plural(1, "файл", "файла", "файлов") -> "файл" (2 -> "файла", 5, 11,
    12 -> "файлов", 21 -> "файл"). The one plural rule of the bot's texts."""
    if count % 10 == 1 and count % 100 != 11:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


def _files(count: int) -> str:
    return f"{count} {plural(count, 'файл', 'файла', 'файлов')}"


_REACH = {
    "hidden": "🔒 Тип «для сервисных нужд»: клиенту не отправлено, файлы только на сервере.",
    "no_data": "⚠️ Клиенту не отправлено: в заказ-наряде нет данных клиента (телефона).",
    "no_client": "ℹ️ Клиенту не отправлено: клиент ещё не подключен к боту. "
    "Он получит материалы, когда подключится.",
}


def media_report(
    *,
    saved: int,
    total: int,
    order: str,
    stage: str,
    reach: str,
    too_big: int,
    failed_saves: int,
    gone: bool,
    local_api: bool,
    clients_sent: int,
    clients_blocked: int,
    clients_failed: int,
    already_sent: bool,
) -> str:
    lines = []
    if saved:
        counted = (
            _files(saved)
            if saved == total
            else f"{saved} из {total} {plural(total, 'файла', 'файлов', 'файлов')}"
        )
        lines.append(f"💾 Сохранено: {counted} — {_order_line(order)}, «{esc(stage)}».")
    else:
        lines.append("❌ Ничего не сохранено.")
    if too_big:
        limit = "2000 МБ" if local_api else "20 МБ"
        lines.append(
            f"⚠️ Не сохранено {_files(too_big)}: больше {limit}. Telegram не даёт ботам скачивать такие "
            "файлы. Отправьте файл меньшего размера (например, сожмите видео) или положите его в папку "
            "заказ-наряда вручную."
        )
    if failed_saves:
        lines.append(f"⚠️ Не удалось сохранить {_files(failed_saves)}: ошибка загрузки. Отправьте их ещё раз.")
    if gone:
        lines.append("⛔ Заказ-наряд закрыт или его папка удалена: остальное не сохранено. /order")
    if saved and reach in _REACH:
        lines.append(_REACH[reach])
    elif saved and reach == "send":
        if clients_sent:
            lines.append(
                "📤 Отправлено клиенту." if clients_sent == 1 else f"📤 Отправлено клиентам: {clients_sent}."
            )
        if clients_blocked:
            lines.append("🚫 Клиент заблокировал бота: не доставлено.")
        if clients_failed:
            lines.append("⚠️ Не удалось доставить клиенту: Telegram отказал. Файлы сохранены на сервере.")
        if already_sent:
            lines.append("📤 Эти файлы уже были отправлены клиенту.")
    return "\n".join(lines)


# --- order recognition: barcode and plate photos in /order ---------------------------------------

ORDER_BARCODE_PROMPT = (
    "📷 Сфотографируйте штрих-код на листе заказ-наряда и отправьте фото.\n"
    "Можно и ввести номер заказ-наряда или госномер текстом. Отмена: /cancel"
)
ORDER_PLATE_PROMPT = (
    "🚗 Сфотографируйте автомобиль так, чтобы был виден госномер, и отправьте фото.\n"
    "Можно и ввести госномер или номер заказ-наряда текстом. Отмена: /cancel"
)
ORDER_TYPED_PROMPT = (
    "⌨️ Введите госномер (например, <code>1234 AB-7</code>) или часть номера заказ-наряда. Отмена: /cancel"
)
RECOGNITION_SEND_PHOTO = "Отправьте фото или введите госномер / номер заказ-наряда текстом. Отмена: /cancel"
RECOGNITION_TEXT_ONLY = "Введите госномер или часть номера заказ-наряда текстом. Отмена: /cancel"
RECOGNITION_UNREADABLE = "⚠️ Не удалось прочитать фото. Сфотографируйте ещё раз и отправьте снимок."
RECOGNITION_DOWNLOAD_FAILED = "⚠️ Не удалось получить фото от Telegram. Отправьте его ещё раз."
RECOGNITION_TOO_BIG = "⚠️ Файл слишком большой для распознавания. Отправьте обычное фото."
RECOGNITION_RETRY_BUTTON = "🔁 Сфотографировать ещё раз"
RECOGNITION_TYPE_BUTTON = "⌨️ Ввести номер вручную"
RECOGNITION_CALENDAR_BUTTON = "📅 Календарь"


def plate_display(plate: str) -> str:
    """A normalized Belarusian plate as printed: `1234AB7` -> `1234 AB-7`, `AB12347` -> `AB 1234-7`."""
    if len(plate) == 7 and plate[:4].isdigit() and plate[4:6].isalpha() and plate[6].isdigit():
        return f"{plate[:4]} {plate[4:6]}-{plate[6]}"
    if len(plate) == 7 and plate[:2].isalpha() and plate[2:].isdigit():
        return f"{plate[:2]} {plate[2:6]}-{plate[6]}"
    return plate


def recognition_unavailable(barcode: bool) -> str:
    what = "по штрих-коду" if barcode else "по фото госномера"
    return (
        f"⚠️ Поиск {what} сейчас недоступен (не работает программа распознавания; администратор "
        "уже видит это в журнале). Введите номер вручную или выберите заказ-наряд в календаре."
    )


def _listed(values: list[str]) -> str:
    return ", ".join(f"<b>{esc(value)}</b>" for value in values)


def barcode_not_found(codes: list[str]) -> str:
    if not codes:
        return (
            "Штрих-код на фото не найден. Сфотографируйте его ещё раз — крупно, ровно и без бликов, "
            "введите номер вручную или выберите заказ-наряд в календаре."
        )
    if len(codes) == 1:
        return f"Распознан штрих-код {_listed(codes)}, но открытого заказ-наряда с ним нет."
    return f"Распознаны штрих-коды {_listed(codes)}, но открытых заказ-нарядов с ними нет."


def plate_not_found(plates: list[str]) -> str:
    if not plates:
        return (
            "Госномер на фото не распознан. Сфотографируйте автомобиль ещё раз — ближе и прямо, "
            "введите номер вручную или выберите заказ-наряд в календаре."
        )
    shown = [plate_display(plate) for plate in plates[:3]]
    if len(shown) == 1:
        return f"Распознан номер {_listed(shown)}, но открытого заказ-наряда с ним нет."
    return f"Распознаны номера {_listed(shown)}, но открытых заказ-нарядов с ними нет."


def typed_not_found(text: str) -> str:
    return (
        f"По «{esc(text)}» открытых заказ-нарядов нет: ни госномер, ни номер заказ-наряда не совпадают. "
        "Введите иначе или выберите заказ-наряд в календаре."
    )


# --- operations: start-up, health, backups, demo, bot profile --------------------------------

# Shown in Telegram on the bot's profile (before /start) and in chat lists / shares.
BOT_DESCRIPTION = (
    "Бот сервисного центра дилера.\n\n"
    "Клиентам: фото и видео вашего автомобиля из заказ-наряда — приёмка, рекомендации, "
    "повреждения — и переписка с сервисом.\n"
    "Сотрудникам: съёмка автомобиля и документы прямо в папку заказ-наряда.\n\n"
    "Нажмите «Старт» и поделитесь номером телефона, указанным в заказ-наряде."
)
BOT_SHORT_DESCRIPTION = "Фото вашего автомобиля из сервиса и связь с сервисным центром."


def already_running(lock_file: object, pid: str | None) -> str:
    who = f" (процесс {pid})" if pid else ""
    return (
        f"Бот уже запущен{who} с этой же базой данных; вторая копия не запускается, "
        f"иначе копии мешали бы друг другу получать сообщения. Блокировка: {lock_file}. "
        "Остановите первую копию, если нужно перезапустить бота."
    )


def lock_unavailable(lock_file: object, error: object) -> str:
    return f"не удалось создать файл блокировки {lock_file}: {error}"


ALERT_PHOTO_FOLDER = "⚠️ Бот не может работать с папкой заказ-нарядов {folder}: {error}. Фото не сохраняются."
ALERT_PHOTO_FOLDER_OK = "✅ Папка заказ-нарядов {folder} снова доступна."
ALERT_DISK = "⚠️ На диске с {what} осталось {free} МБ (порог {limit} МБ). Освободите место."
ALERT_DISK_OK = "✅ Место на диске с {what} снова есть: свободно {free} МБ."
ALERT_OUTBOX = (
    "⚠️ Сообщения клиентам задерживаются: в очереди {count}, самое старое ждёт {minutes} мин. "
    "Проверьте связь сервера с Telegram."
)
ALERT_OUTBOX_OK = "✅ Очередь сообщений клиентам снова уходит без задержек."
DISK_WHAT_PHOTO = "фото"
DISK_WHAT_DATABASE = "базой"


def alert(template: str, **values: object) -> str:
    return template.format(**{key: esc(value) for key, value in values.items()})


# `python bot.py --check`: one line per check, then the verdict.
CHECK_TITLE = "Проверка бота"
CHECK_MARKS = {"ok": "[ OK ]", "warn": "[ВНИМ]", "fail": "[ОШИБКА]"}
CHECK_ALL_OK = "Итог: всё в порядке."
CHECK_WARNINGS = "Итог: работать можно, но посмотрите предупреждения."


def check_failed(count: int) -> str:
    return f"Итог: ошибок — {count}. Бот с такими ошибками работать не сможет или будет терять работу."


def check_line(status: str, title: str, detail: str) -> str:
    return f"{CHECK_MARKS[status]} {title}: {detail}"


# Titles and details of the check lines (console text: not HTML, nothing to escape).
CHECK = {
    "settings": "Настройки",
    "settings_ok": "config.py и .env прочитаны без ошибок",
    "telegram": "Telegram",
    "token_ok": "токен принят, бот @{username}",
    "token_refused": "токен не принят: проверьте BOT_TOKEN у @BotFather",
    "no_connection": "нет связи с {server}: {error}",
    "photo": "Папка заказ-нарядов {folder}",
    "photo_ok": "чтение и запись есть, папок заказ-нарядов: {orders}",
    "photo_bad": "нет чтения или записи ({problem})",
    "recognition": "Распознавание",
    "recognition_ok": "штрих-коды и госномера распознаются",
    "recognition_bad": "не работает: {error}",
    "database": "База {path}",
    "database_new": "ещё не создана: создастся при первом запуске",
    "database_broken": "не открывается: {error}",
    "database_newer": "создана более новой версией бота (схема {version})",
    "database_old": "схема {version}, обновится до {latest} при запуске (с копией)",
    "database_ok": "открывается, схема актуальна ({version})",
    "disk": "Диск с {what}",
    "disk_unknown": "не удалось узнать свободное место",
    "disk_low": "свободно {free:.0f} МБ (порог {limit:.0f})",
    "disk_ok": "свободно {free:.0f} МБ",
    "backups": "Резервные копии {folder}",
    "backups_bad": "нет записи ({problem})",
    "backups_none": "копий пока нет: первая делается при запуске бота",
    "backups_old": "последней копии {days:.0f} дн.: бот давно не работал?",
    "backups_ok": "последняя копия {hours:.1f} ч назад",
}
FOLDER_MISSING = "папки нет"
FOLDER_NOT_A_FOLDER = "это не папка"
FOLDER_NOT_ANSWERING = "не отвечает"
BACKUP_DONE = "Резервная копия базы: {path} ({size:.1f} МБ)"
BACKUP_FAILED = "Резервная копия не сделана: {error}"


DEMO_BANNER = (
    "Демо-режим: примеры заказ-нарядов скопированы в {photo}, временная база — {database}.\n"
    "Откройте бота в Telegram, нажмите «Старт» и поделитесь контактом: первый подключившийся "
    "становится администратором. Ваши настоящие папки и база не затрагиваются. Остановка — Ctrl+C."
)
# --- who a person is and where their messages go (roles, routing, quotas) ---------------------

STAFF_CARE_BUTTON = (
    "Кнопка «💬 Написать в службу заботы» — для клиентов, ваше сообщение никуда не отправлено. "
    "Клиенту пишите обычным текстом в выбранном заказ-наряде. Список команд: /help"
)
PRIVATE_ONLY = "Бот работает только в личных сообщениях."


def blocked_texts_intro(count: int) -> str:
    return f"📨 Пока бот был у вас заблокирован, вам написали (сообщений: {count}):"


CLIENT_NO_ORDER = (
    "На ваш номер телефона нет открытого заказ-наряда, поэтому сотрудника, который ответил бы вам, нет. "
    "Нажмите кнопку — сообщение уйдёт в службу заботы."
)
CARE_NOT_YOUR_CLIENT = "Отвечать можно только клиентам, которые написали в службу заботы."


def upload_quota_exceeded(per_order: bool, limit_mb: float) -> str:
    what = "по одному заказ-наряду" if per_order else "за сутки"
    return (
        f"⚠️ Файл передан сотруднику, но не сохранён в папку заказ-наряда: превышен объём загрузки "
        f"{what} ({limit_mb:g} МБ). Если нужно передать больше, договоритесь с сотрудником."
    )


def phone_taken_notice(phone: str) -> str:
    return (
        f"Номер {esc(phone)} подключили к боту в другом аккаунте Telegram. Материалы по заказ-нарядам "
        "теперь приходят туда. Если это ваш номер, нажмите /start и отправьте его снова."
    )


# --- the shared order folder (untrusted share) -----------------------------------------------------


def share_link_refused(count: int, order: str) -> str:
    return (
        f"⛔ Не сохранено {_files(count)}: папка заказ-наряда <b>{esc(order)}</b> или её подпапка — ссылка "
        "(ярлык, symlink или junction) на место вне общей папки с фото. Бот не пишет по таким ссылкам. "
        "Сообщите администратору: подпапку нужно сделать обычной папкой. Файлы остались в этом чате."
    )


# The protocol's sender of a file that appeared in an order folder by other means than the bot.
FOLDER_FILE_SENDER = "Папка заказ-наряда"
# --- employee and client media/text paths ---

CHAT_BUTTON = "💬 Написать клиенту"
SENT_AFTER_ALL = "Отправлено клиенту"
SEND_ORDER_CHANGED = (
    "Вы уже работаете с другим заказ-нарядом, поэтому сообщение не отправлено. "
    "Откройте нужный заказ-наряд и нажмите «💬 Написать клиенту»."
)


def send_to_client_button(number: str) -> str:
    return f"💬 Отправить это клиенту ({number})"  # button text: plain, not HTML


def relay_not_in_chat(number: str) -> str:
    return (
        "✋ Это сообщение <b>не отправлено</b> клиенту: после /order и поиска текст не уходит клиенту, "
        f"пока вы не вернулись в переписку по заказ-наряду <b>{esc(number)}</b>.\n"
        "Если оно для клиента — нажмите кнопку ниже. Другой заказ-наряд: /order"
    )


def chat_entered(number: str) -> str:
    return f"💬 Переписка по заказ-наряду <b>{esc(number)}</b>: всё, что вы напишете текстом, получит клиент."


def media_held(number: str, count: int) -> str:
    return (
        f"📥 Получено: {_files(count)}, отправлять повторно не нужно. Выберите тип действия для "
        f"заказ-наряда <b>{esc(number)}</b> — бот сохранит файлы в его папку и отправит клиенту "
        "(кроме служебного типа):"
    )


def client_album_note(count: int) -> str:
    return f"⬆️ Альбом клиента: {_files(count)}."


def media_held_no_order(count: int) -> str:
    return (
        f"📥 Получено: {_files(count)}, отправлять повторно не нужно. Выберите заказ-наряд (/order) и тип "
        "действия — бот сохранит файлы в его папку и отправит клиенту (кроме служебного типа)."
    )


# --- order lists and the order card (issue 16) ------------------------------------------------------

ORDER_LIST_LEGEND = "✅ клиент подключен к боту · ❌ ещё не подключен · ⚠️ нет телефона клиента"
ORDER_PAGE_PREV = "◀️ Назад"
ORDER_PAGE_NEXT = "Вперёд ▶️"
ORDER_PAGE_STALE = "Такой страницы в списке нет. Откройте список заново: /order"


def _client_part(name: str | None, phone: str | None) -> str:
    """Who the car belongs to, as far as the bot knows: the connected client's name, else the phone's
    last digits (content.txt has no name)."""
    if name:
        return name
    return f"…{phone[-4:]}" if phone and len(phone) >= 4 else ""


def _named(client: str) -> str:
    return f" {esc(client)}" if client else ""


def order_list_button(
    number: str,
    plate: str | None,
    name: str | None,
    phone: str | None,
    connected: bool,
    data_ok: bool,
    status: str | None = None,
) -> str:
    """A list's order button (plain text, not HTML): mark, number, status label, plate, client."""
    mark = "✅" if connected else ("❌" if data_ok else "⚠️")
    plate_part = plate_display(plate) if plate else ""
    parts = [f"{mark} {number}", status or "", plate_part, _client_part(name, phone)]
    return " · ".join(part for part in parts if part)


def order_day_page(day: str, total: int, page: int, pages: int) -> str:
    if total == 0:
        return f"На {esc(day)} открытых заказ-нарядов нет. Выберите другой день: /order"
    where = f", страница {page + 1} из {pages}" if pages > 1 else ""
    return f"Заказ-наряды за {esc(day)} ({total}{where}). Выберите нужный:\n{ORDER_LIST_LEGEND}"


def order_search_list(part: str, count: int) -> str:
    return f"Найдено по «{esc(part)}»: {count}. Выберите заказ-наряд:\n{ORDER_LIST_LEGEND}"


def _car_and_client(
    number: str, plate: str | None, name: str | None, phone: str | None, connected: bool, data_ok: bool
) -> list[str]:
    lines = [f"🚗 {_order_line(number)}" + (f" · {esc(plate_display(plate))}" if plate else "")]
    client = _client_part(name, phone)
    if not data_ok:
        lines.append(
            "⚠️ Нет данных клиента (телефон не указан или content.txt не читается): фото и видео "
            "сохранятся в папку заказ-наряда, но клиенту не уйдут."
        )
    elif connected:
        lines.append(f"✅ Клиент{_named(client)} подключен к боту: получит фото и видео.")
    else:
        lines.append(
            f"❌ Клиент{_named(client)} ещё не подключен к боту: получит материалы, когда подключится."
        )
    return lines


def order_card(
    number: str,
    plate: str | None,
    name: str | None,
    phone: str | None,
    connected: bool,
    data_ok: bool,
    pin_failed: bool = False,
    status: str | None = None,
) -> str:
    """The order just chosen, in one message above its stage buttons."""
    lines = _car_and_client(number, plate, name, phone, connected, data_ok)
    lines.append(order_status_line(status))
    if connected:
        lines.append("💬 Всё, что вы напишете текстом, получит клиент.")
    if pin_failed:
        lines.append(PIN_FAILED)
    lines.append("Выберите тип действия:")
    return "\n".join(lines)


def order_pin(
    number: str,
    plate: str | None,
    name: str | None,
    phone: str | None,
    connected: bool,
    data_ok: bool,
    type_label: str | None,
    status: str | None = None,
    hidden: bool = False,
) -> str:
    """The pinned message: the current order, its car and client, its status and stage (once chosen,
    what to do next: the stage tap sends no message of its own, the pin says it)."""
    stage = f"<b>{esc(type_label)}</b>" if type_label else "не выбран — выберите кнопкой ниже"
    lines = ["📌 Сейчас в работе:", *_car_and_client(number, plate, name, phone, connected, data_ok)]
    lines.append(order_status_line(status))
    lines.append(f"Тип действия: {stage}")
    if type_label:
        lines.append(STAGE_NEXT_STEP)
    if type_label and hidden:
        lines.append(STAGE_HIDDEN_NOTE)
    return "\n".join(lines)


# --- care queue ---

CARE_TAKE_BUTTON = "🙋 Взять"
CARE_CLOSE_BUTTON = "✅ Закрыть"


def care_taken_button(name: str) -> str:
    return f"🔒 Взял(а): {name[:40]}"


def care_talk_started(name: str | None, phone: str) -> str:
    return (
        f"🙋 Вы взяли обращение: {user_name(name, phone)}.\n"
        "Всё, что вы напишете или пришлёте фото, уйдёт этому клиенту. "
        "Закончить — кнопка «Закрыть» или /cancel.\n"
        "Другому клиенту можно ответить без кнопок: ответьте (свайпом) на его сообщение."
    )


def care_taken_by_other(name: str) -> str:
    return f"Обращение уже взял(а) {name}."  # an alert: plain text, no HTML


def care_taken_notice(name: str, client: str | None) -> str:
    return f"🔒 Обращение {esc(client or 'клиента')} взял(а) {esc(name)}."


def care_talk_sent(name: str | None, phone: str) -> str:
    return f"✅ Отправлено клиенту {user_name(name, phone)}."


def care_closed(name: str | None, phone: str) -> str:
    return f"✅ Обращение закрыто: {user_name(name, phone)}. Клиенту ничего не отправлено."


def care_talk_ask_again(name: str | None, phone: str) -> str:
    return f"Отправьте текст или фото для клиента {user_name(name, phone)}, или нажмите «Закрыть» / /cancel."


def care_remind(name: str | None, phone: str, minutes: int, taker: str | None, stage: int) -> str:
    who_took = f" Взял(а): {esc(taker)}." if taker else " Никто не взял."
    head = "⏰ Напоминание" if stage == 1 else "⏰ Администраторам: обращение без ответа"
    return f"{head}: {user_name(name, phone)} ждёт ответа службы заботы {minutes} мин.{who_took}"


# --- daily digest, slow deliveries (issue 16.5, 16.6) ---


def daily_digest(day: str, figures: DigestFigures) -> str:
    f = figures
    return (
        f"📊 <b>Сводка за сутки</b> (по {esc(day)})\n"
        f"Заказ-нарядов в работе: {f.orders_touched}\n"
        f"Файлов сохранено: {f.files_filed}, доставлено клиентам: {f.files_delivered}\n"
        f"Подключилось клиентов: {f.clients_connected}\n"
        f"Сообщений клиентов без ответа: {f.unanswered}\n"
        f"Сигналов о недовольстве: {f.attention_alerts}\n"
        f"Не доставлено сообщений: {f.failed_deliveries}"
    )


DELIVERY_SLOW = "⏳ доставка задерживается: Telegram отвечает медленно, бот доставит сам, повторять не нужно"
DELIVERY_DONE = "✅ доставлено"
DELIVERY_NOT_ALL = "⚠️ доставлено не всё — подробности в сообщении ниже"


# --- invitations and order statuses (issue 15.1, 15.2) ---

INVITE_BUTTON = "📨 Пригласить клиента"
STATUS_BUTTON = "🏷 Статус"
STATUS_CURRENT_MARK = "✓ "
STATUS_NONE = "не задан"


def order_status_line(status: str | None) -> str:
    """The order's status in the card and the pin (`status`: its label)."""
    return f"🏷 Статус: <b>{esc(status)}</b>" if status else f"🏷 Статус: {STATUS_NONE}"


def invite_link_text(number: str, sms: str, expires: str) -> str:
    """The invitation for staff; the SMS text in <code> is copied with one tap."""
    return (
        f"📨 Приглашение для клиента, {_order_line(number)} (ссылка действует до {esc(expires)}, "
        "пока заказ-наряд открыт).\nТекст для SMS — нажмите, чтобы скопировать:\n\n"
        f"<code>{esc(sms)}</code>"
    )


def invite_sms(organization: str, number: str, link: str) -> str:
    """Plain text for an SMS (no HTML): the deep link the client opens."""
    return f"{organization}: фото и статус ремонта по заказ-наряду {number} в Telegram: {link}"


def invite_qr_caption(number: str) -> str:
    return (
        f"🖨 QR-код приглашения, {_order_line(number)}. Распечатайте его на заказ-наряде: клиент наведёт "
        "камеру телефона и подключится к боту."
    )


INVITE_UNKNOWN = (
    "⚠️ Ссылка-приглашение не распознана: возможно, она скопирована не полностью. "
    "Вы всё равно можете подключиться к боту — это не помешает."
)
INVITE_EXPIRED = (
    "⚠️ Срок этой ссылки-приглашения истёк или заказ-наряд уже закрыт. "
    "Вы всё равно можете подключиться к боту; если нужна новая ссылка — попросите её в сервисе."
)
INVITE_FOR_CLIENTS = "Это приглашение для клиента: ваша учётная запись сотрудника не изменилась."


def invite_linked(number: str) -> str:
    return (
        f"✅ Вы подключены к заказ-наряду <b>{esc(number)}</b>: фото, видео и статус ремонта будут "
        "приходить сюда."
    )


def invite_foreign(number: str) -> str:
    return (
        f"⚠️ Ваш номер телефона не совпадает с номером в заказ-наряде <b>{esc(number)}</b>, поэтому "
        "материалы этого заказ-наряда сюда не придут. Мы передали это в службу заботы — с вами свяжутся. "
        "Бот для вас работает как обычно."
    )


def invite_joined_notice(number: str, name: str | None, phone: str) -> str:
    return f"✅ Клиент подключился: {user_name(name, phone)}, {_order_line(number)} (по приглашению)."


def invite_foreign_notice(number: str, name: str | None, phone: str, order_phone: str | None) -> str:
    shown = esc(order_phone) if order_phone else "не указан"
    return (
        f"⚠️ По приглашению к {_order_line(number)} подключился человек с другим номером: "
        f"{esc(name) if name else 'без имени'}, телефон {esc(phone)}; в заказ-наряде — {shown}. "
        "К заказ-наряду он не привязан. Свяжитесь с ним и с владельцем автомобиля."
    )


INVITE_PROTOCOL_LINKED = "подключился по приглашению"


def invite_protocol_foreign(phone: str, order_phone: str | None) -> str:
    return f"открыл приглашение с другим номером {phone} (в заказ-наряде {order_phone or 'нет телефона'})"


def status_menu(number: str, current: str | None) -> str:
    shown = esc(current) if current else STATUS_NONE
    return f"🏷 {_order_line(number)}: статус сейчас — {shown}. Выберите новый:"


def status_saved(number: str, label: str, notified: int) -> str:
    head = f"🏷 {_order_line(number)}: статус «{esc(label)}» сохранён"
    if notified:
        return head + ", клиент получил уведомление."
    return head + ". Уведомить некого: клиент этого заказ-наряда не подключен к боту."


def status_unchanged(number: str, label: str) -> str:
    return f"🏷 {_order_line(number)}: статус уже «{esc(label)}», клиенту повторно не отправлено."


STATUS_STALE = "Такого статуса больше нет. Откройте список статусов заново."


def status_protocol(label: str) -> str:
    return f"статус: {label}"


# Messages to the owner per status: the defaults of status_messages.txt (next to bot.py), which the
# dealer edits. Placeholders: {order}, {plate}, {status}, {organization}; plain text (no HTML).
STATUS_MESSAGE_DEFAULTS = {
    "accepted": "Автомобиль {plate} принят в {organization}, заказ-наряд {order}. Мы сообщим о каждом этапе.",
    "diagnosis": "Заказ-наряд {order}: автомобиль {plate} на диагностике.",
    "approval": "Заказ-наряд {order}: нужны ваши решения по рекомендациям — посмотрите сообщения выше.",
    "in_work": "Заказ-наряд {order}: автомобиль {plate} в работе.",
    "ready": "Заказ-наряд {order}: автомобиль {plate} готов к выдаче. Ждём вас в {organization}!",
    "handed_over": "Заказ-наряд {order}: автомобиль {plate} выдан. Спасибо, что выбрали {organization}!",
}
STATUS_MESSAGE_FALLBACK = "Заказ-наряд {order} ({plate}): статус — {status}."
STATUS_PLATE_UNKNOWN = "—"
STATUS_FILE_HEADER = (
    "# Сообщения клиенту при смене статуса заказ-наряда. Правьте текст под заголовком [ключ статуса];\n"
    "# бот перечитает файл сам. Подстановки: {order} — номер заказ-наряда, {plate} — госномер,\n"
    "# {status} — название статуса, {organization} — название сервиса. Фигурные скобки в тексте\n"
    "# пишите двойными: {{ }}. Строки с # — комментарии. Ошибочный шаблон заменяется стандартным.\n"
)


# --- admin cards (issue 16.3) ---

ADMIN_CARDS_MENU = (
    "🛠 <b>Меню администратора</b>\n"
    "Чтобы найти человека, отправьте его телефон (в любом виде) или часть имени. Или выберите действие:"
)
ADMIN_CARD_BUTTONS = {
    "list": "👥 Все пользователи",
    "order_protocol": "📄 Протокол по заказ-наряду",
    "general_protocol": "📄 Протокол вне открытых заказ-нарядов",
    "export": "📊 Выгрузить список (файл)",
    "close": "✖️ Закрыть меню",
    "level": "🎚 Уровень",
    "name": "✏️ Имя",
    "block": "🚫 Заблокировать",
    "unblock": "✅ Разблокировать",
    "back_list": "◀️ К списку",
    "back_card": "◀️ К карточке",
    "menu": "🏠 Меню",
    "no_name": "Без имени",
    "drop_invite": "🗑 Отменить регистрацию",
}
ADMIN_FIND_BAD = (
    "Отправьте телефон (например, +375 29 111-22-33 или 8 029 1112233), не меньше 4 цифр номера "
    "или не меньше 2 букв имени."
)
ADMIN_FOUND_MANY = "Найдено несколько человек, выберите:"
ADMIN_CARD_GONE = "Этого пользователя нет в базе. Найдите его заново."
ADMIN_INVITE_GONE = "Регистрации уже нет: человек подключился или её отменили. Найдите его по телефону."
ADMIN_FORGED_BUTTON = "Кнопка не подходит к этому действию. Откройте меню заново: /admin"
ADMIN_CARD_ASK_NAME = "✏️ Отправьте новое имя сообщением (до 64 символов). Его будут видеть клиенты."
ADMIN_PROTOCOL_ASK = "Отправьте номер заказ-наряда или его часть (например, 7732).\nОтменить — /cancel."
ADMIN_PROTOCOLS_MANY = "Найдено несколько заказ-нарядов, выберите:"
ADMIN_MENU_CLOSED = "Меню администратора закрыто. Открыть снова — /admin"
CLIENT_FILES_STAGE = "Файлы клиента"


def admin_nobody_found(query: str) -> str:
    return (
        f"Никого не нашлось по запросу «{esc(query)}». Отправьте телефон или другую часть имени.\n"
        "Меню администратора открыто: чтобы писать клиенту, закройте его — /cancel."
    )


def _seen(at: float | None) -> str:
    return time.strftime("%d.%m.%Y %H:%M", time.localtime(at)) if at else "ещё не заходил(а)"


def admin_card(
    name: str | None,
    tg_name: str,
    phone: str,
    level: Level,
    activity: int,
    last_seen: float | None,
    orders_count: int,
    latest_orders: list[str],
) -> str:
    """The one message about a person; every action is a button under it."""
    latest = "последний" if len(latest_orders) == 1 else "последние"  # one order is no plural
    orders = f"{orders_count}" + (f" ({latest}: {esc(', '.join(latest_orders))})" if latest_orders else "")
    return (
        f"👤 <b>{esc(name or tg_name or phone or 'без имени')}</b>\n"
        f"Имя в боте: {esc(name or '— не задано')}\n"
        f"Имя в Telegram: {esc(tg_name or '—')}\n"
        f"Телефон: {esc(phone or '— (номер перешёл к другому аккаунту)')}\n"
        f"Уровень: {LEVEL_NAMES[level]}\n"
        f"Активность: {ACTIVITY_NAMES[activity]}\n"
        f"Последний раз в боте: {_seen(last_seen)}\n"
        f"Заказ-нарядов: {orders}"
    )


def admin_card_choose_level(card: str) -> str:
    return f"{card}\n\n🎚 Выберите новый уровень (• — текущий):"  # the marker explained once


def admin_card_saved(card: str, what: str) -> str:
    return f"{card}\n\n✅ {what}"


def admin_saved_level(level: Level) -> str:
    return f"Уровень изменён: {LEVEL_NAMES[level]}."


def admin_saved_activity(activity: int) -> str:
    return f"Активность изменена: {ACTIVITY_NAMES[activity]}."


def admin_saved_name(name: str) -> str:
    return f"Имя сохранено: {esc(name)}."


def admin_found_button(name: str | None, tg_name: str, phone: str, level: Level) -> str:
    """Plain text (a button)."""
    return f"{name or tg_name or 'без имени'} · {phone or 'без телефона'} · {LEVEL_NAMES[level]}"[:60]


def admin_card_level_button(level: Level, current: bool) -> str:
    return f"{'• ' if current else ''}{LEVEL_NAMES[level].capitalize()}"


def admin_not_connected(phone: str) -> str:
    return (
        f"📵 С номером {esc(phone)} к боту ещё никто не подключался.\n"
        "Зарегистрировать заранее? Выберите уровень — он и имя применятся, когда человек подключится "
        "(/start и кнопка «📱 Отправить мой номер телефона»)."
    )


def admin_invite_level_button(level: Level) -> str:
    return f"➕ {LEVEL_NAMES[level].capitalize()}"


def admin_invite_card(phone: str, level: Level, name: str | None, asking_name: bool) -> str:
    text = (
        f"📝 <b>Зарегистрирован заранее</b>\n"
        f"Телефон: {esc(phone)}\n"
        f"Уровень: {LEVEL_NAMES[level]}\n"
        f"Имя: {esc(name or '— не задано')}\n"
        "Ещё не подключился: уровень и имя применятся, когда человек отправит боту свой номер."
    )
    if asking_name:
        text += "\n\n✏️ Отправьте имя сообщением (его увидят клиенты) или нажмите «Без имени»."
    return text


def admin_invite_dropped(phone: str) -> str:
    return f"🗑 Регистрация номера {esc(phone)} отменена."


def staff_invite_used(name: str | None, tg_name: str, phone: str, level: Level) -> str:
    """To the admin who registered the phone in advance."""
    who = esc(name or tg_name or phone)
    return f"✅ {who} ({esc(phone)}) подключился к боту. Уровень: {LEVEL_NAMES[level]}."


def admin_protocol_button(number: str, is_open: bool) -> str:
    return f"📄 {number} ({'открыт' if is_open else 'закрыт'})"  # plain: a button


def admin_card_protocol_button(number: str) -> str:
    return f"📄 Протокол {number}"  # plain: a button


ADMIN_INVITE_CONNECTED = (
    "С этим номером уже подключились. Найдите человека по телефону и измените уровень на его карточке."
)
# --- order report (issue 15.5) ---

REPORT_BUTTON = "📄 Отчёт"
REPORT_NO_ORDERS = (
    "У вас сейчас нет открытых заказ-нарядов, поэтому отчёта нет. Отчёт появится, когда автомобиль "
    "примут в сервис."
)
REPORT_PICK = "По какому заказ-наряду прислать отчёт?"
REPORT_PREPARING = "⏳ Готовлю отчёт, это несколько секунд…"
REPORT_NOT_YOURS = "Этот заказ-наряд вам недоступен."
REPORT_UNAVAILABLE_CLIENT = (
    "😔 Сейчас не получается подготовить отчёт. Мы сообщили сотрудникам сервиса; попробуйте позже."
)
REPORT_FONT_MISSING = (
    "⚠️ PDF-отчёт не собран: не найден шрифт с кириллицей. Администратору: установите пакет "
    "fonts-dejavu-core (Linux) или укажите путь к TTF-шрифту в настройке REPORT_FONT (config.py или .env)."
)


def report_pick_button(number: str, plate: str | None) -> str:
    """A button's text (not HTML): the order number and the car."""
    return f"📄 {number} · {plate}" if plate else f"📄 {number}"


def report_caption(number: str) -> str:
    return f"📄 Отчёт по заказ-наряду № {esc(number)}"


def report_folder_failed(number: str) -> str:
    return (
        f"⚠️ Отчёт по заказ-наряду № {esc(number)} не собран: папка заказ-наряда недоступна "
        "(закрыта, переименована или нет места на диске; подробности в журнале бота)."
    )


REPORT_PROTOCOL_SENDER = "Бот"
REPORT_PROTOCOL_TEXT = "PDF-отчёт по заказ-наряду"
CHECK_REPORT_FONT = "Шрифт PDF-отчёта"


def check_report_font_missing(configured: object | None) -> str:
    """`python bot.py --check` (console, not HTML): what to do when no font is found."""
    if configured:
        return f"файла {configured} нет (настройка REPORT_FONT): отчёты не собираются"
    return "не найден: установите fonts-dejavu-core (Linux) или укажите REPORT_FONT; отчёты не собираются"


# Inside the PDF (plain text: no HTML). The condition marks are drawn as a coloured dot and a word.
REPORT_PDF_STATUSES = "История статусов"
REPORT_PDF_NO_STATUSES = "Статус заказ-наряду ещё не назначали."
REPORT_PDF_NO_FILES = "Фото и видео по заказ-наряду пока нет."
REPORT_PDF_RECOMMENDATIONS = "Рекомендации"
REPORT_PDF_NO_RECOMMENDATIONS = "Рекомендаций нет."
REPORT_PDF_OTHER_STAGE = "Другие материалы"
REPORT_PDF_MARKS = {"ok": "В порядке", "soon": "Скоро", "now": "Срочно"}
REPORT_PDF_KINDS = {"photo": "фото", "video": "видео", "document": "документ"}
REPORT_PDF_UNREADABLE_PHOTO = "фото (не удалось прочитать)"
REPORT_PDF_TOTALS: tuple[tuple[str, str | None], ...] = (
    ("Согласовано:", "approved"),
    ("Отказано:", "declined"),
    ("Ждёт решения:", None),
)
REPORT_PDF_NOT_SET = "не указан"


def report_pdf_title(number: str) -> str:
    return f"Отчёт по заказ-наряду № {number}"


def report_pdf_footer(number: str, page: int) -> str:
    return f"Заказ-наряд № {number} · стр. {page} из {{nb}}"  # {nb}: fpdf2 puts the page count there


def report_pdf_facts(plate: str, phone: str, status: str, generated: str) -> list[tuple[str, str]]:
    return [
        ("Автомобиль:", plate or REPORT_PDF_NOT_SET),
        ("Телефон клиента:", phone or REPORT_PDF_NOT_SET),
        ("Статус:", status or "не назначен"),
        ("Отчёт от:", generated),
    ]


def report_pdf_decision(decision: str | None, who: str, at: str) -> str:
    by = ", ".join(part for part in (who, at) if part)
    if decision == "approved":
        return f"Согласовано ({by})" if by else "Согласовано"
    if decision == "declined":
        return f"Отказ ({by})" if by else "Отказ"
    return "Ждёт решения клиента"


def report_pdf_linked_photos(count: int) -> str:
    return f"Фото к рекомендации: {count}"


# --- condition marks, recommendations, the owner's orders (issue 15.3, 15.4, 15.6) ---

MARK_EMOJI = {"ok": "🟢", "soon": "🟡", "now": "🔴"}
MARK_NAMES = {"ok": "в порядке", "soon": "скоро потребуется", "now": "срочно"}
MARK_BUTTONS = {"ok": "🟢 ок", "soon": "🟡 скоро", "now": "🔴 срочно"}
MARK_LINE = "🏷"  # the confirmation's mark lines start with it (a new tap replaces them)
MARK_NO_NOTE_BUTTON = "Без заметки"
MARK_PROTOCOL_RECIPIENT = "отметка состояния"
MARK_REFUSED_NOT_FOUND = "Файл не найден."  # alerts: plain text
MARK_REFUSED_CLOSED = "Заказ-наряд закрыт: отметки больше не ставятся."
MARK_NOTE_SAVED = "Заметка сохранена"
MARK_ASK_NOTE = "Напишите короткую заметку (что именно) одним сообщением или нажмите «Без заметки»."
COMMAND_DESCRIPTIONS["orders"] = "Мои заказы"


def mark_label(mark: str) -> str:
    return f"{MARK_EMOJI[mark]} {MARK_NAMES[mark]}"


def mark_caption(mark: str, note: str) -> str:
    """The mark line of a client's caption (plain text: the caption is escaped as a whole)."""
    return f"{mark_label(mark)}: {note}" if note else mark_label(mark)


def mark_protocol(mark: str, note: str) -> str:
    return f"Отметка {mark_caption(mark, note)}"


def mark_followup(order: str, mark: str, note: str) -> str:
    text = f"{MARK_EMOJI[mark]} Отметка мастера к фото — {MARK_NAMES[mark]} (заказ-наряд <b>{esc(order)}</b>)"
    return f"{text}\n{esc(note)}" if note else text


def mark_line(mark: str, note: str, ask_note: bool = False) -> str:
    """The confirmation's line about the mark of its files (HTML)."""
    line = f"{MARK_LINE} Отметка: {mark_label(mark)}"
    if note:
        line += f" — {esc(note)}"
    if ask_note:
        line += f"\n{MARK_LINE} {MARK_ASK_NOTE}"
    return line


REC_BUTTON = "🛠 Рекомендации"
REC_NEW_BUTTON = "➕ Новая рекомендация"
REC_MEDIA_DONE_BUTTON = "Дальше ➡️"
REC_CANCEL_BUTTON = "Отмена"
REC_ASK_TITLE = "🛠 Новая рекомендация. Что нужно сделать? (коротко, например «Замена тормозных колодок»)"
REC_ASK_REASON = "Почему это нужно? Опишите для клиента в паре предложений."
REC_ASK_MEDIA = (
    "Приложить фото с отметками 🟡 скоро / 🔴 срочно этого заказ-наряда? Нажмите нужные (повторное "
    "нажатие убирает), затем «Дальше».\n☑️ — фото выбрано · ▫️ — не выбрано"
)
REC_ASK_PRICE = "Стоимость в рублях? Например: 1 200 или 1200,50"
REC_PRICE_BAD = "Не понял стоимость. Напишите число в рублях, например: 1 200 или 1200,50"
REC_TEXT_BAD = "Напишите текстом (до 300 символов)."
REC_CANCELLED = "Рекомендация не создана."
REC_ORDER_CLOSED = "Заказ-наряд закрыт или не найден."  # alert
REC_NOT_FOUND = "Рекомендация не найдена."  # alert
REC_PROTOCOL_RECIPIENT = "клиенту на согласование"
REC_DECISION_RECIPIENT = "сервису"
REC_APPROVE_BUTTON = "✅ Согласовать"
REC_DECLINE_BUTTON = "❌ Отказаться"
REC_NONE_WAITING = "Нет рекомендаций, ожидающих решения."  # alert
REC_DECISIONS = {"approved": "✅ Согласовано", "declined": "❌ Отказ"}

MY_ORDERS_BUTTON = "📋 Мои заказы"
MY_ORDERS_NONE = "Открытых заказ-нарядов на ваш номер нет."
MY_ORDERS_REPORT_BUTTON = "📄 Отчёт"
STATUS_NOT_SET = "статус не задан"
OWNER_NO_ACCESS = "Этот заказ-наряд недоступен."  # alert


def rec_media_button(mark: str, note: str, index: int, chosen: bool) -> str:
    tick = "☑️" if chosen else "▫️"
    return f"{tick} {MARK_EMOJI[mark]} фото {index}" + (f": {note[:30]}" if note else "")


def rec_protocol(title: str, price: str) -> str:
    return f"Рекомендация: {title} — {price}"


def rec_decision_protocol(decision: str, title: str, price: str) -> str:
    return f"{REC_DECISIONS[decision]}: {title} — {price}"


def rec_card(order: str, plate: str | None, title: str, reason: str, price: str, photos: int) -> str:
    car = f" · {esc(plate_display(plate))}" if plate else ""
    lines = [
        f"🛠 <b>Рекомендация</b> по заказ-наряду <b>{esc(order)}</b>{car}",
        f"<b>{esc(title)}</b>",
    ]
    if reason:
        lines.append(esc(reason))
    if photos:
        lines.append(f"📷 Фото выше: {photos}")
    lines.append(f"Стоимость: <b>{esc(price)}</b>")
    return "\n".join(lines)


def rec_decided_line(decision: str, who: str, when: str, price: str) -> str:
    return f"{REC_DECISIONS[decision]} — {esc(who)}, {esc(when)}, цена {esc(price)}"


def rec_already(decision: str, when: str) -> str:
    """An alert (plain text): the second tap on a decided card."""
    return f"Решение уже принято: {REC_DECISIONS[decision].split(' ', 1)[1].lower()}, {when}"


def rec_decided_answer(decision: str) -> str:
    return "Согласовано, спасибо!" if decision == "approved" else "Отказ принят."


def rec_staff_notice(decision: str, order: str, title: str, price: str, client: str) -> str:
    return (
        f"{REC_DECISIONS[decision]}: клиент {esc(client)}, заказ-наряд <b>{esc(order)}</b>\n"
        f"«{esc(title)}» — {esc(price)}"
    )


def rec_created(order: str, title: str, price: str, owners: int) -> str:
    sent = "отправлена клиенту на согласование" if owners else "сохранена; клиент не подключен к боту"
    return f"🛠 Рекомендация «{esc(title)}» ({esc(price)}) по заказ-наряду <b>{esc(order)}</b> {sent}."


def rec_totals(
    order: str,
    approved: int,
    approved_sum: str,
    declined: int,
    declined_sum: str,
    waiting: int,
    waiting_sum: str,
) -> str:
    return (
        f"🛠 Рекомендации по заказ-наряду <b>{esc(order)}</b>\n"
        f"✅ Согласовано: {approved} на {esc(approved_sum)}\n"
        f"❌ Отказ: {declined} на {esc(declined_sum)}\n"
        f"⏳ Ждут решения: {waiting} на {esc(waiting_sum)}"
    )


def rec_list_line(title: str, price: str, decision: str | None) -> str:
    state = REC_DECISIONS[decision] if decision else "⏳ ждёт"
    return f"• {esc(title)} — {esc(price)} — {state}"


def my_orders(lines: list[tuple[str, str | None, str]]) -> str:
    """The owner's open orders: number, plate, status label."""
    rows = [
        f"• <b>{esc(number)}</b>" + (f" · {esc(plate_display(plate))}" if plate else "") + f" — {esc(status)}"
        for number, plate, status in lines
    ]
    return "📋 <b>Ваши заказ-наряды</b>\n" + "\n".join(rows)


def my_orders_recs_button(number: str, waiting: int) -> str:
    return f"🛠 Рекомендации ({waiting}) · {number}"


def my_orders_report_button(number: str) -> str:
    return f"{MY_ORDERS_REPORT_BUTTON} · {number}"


# --- relay performance, upload quota per album ---


def album_upload_quota_exceeded(per_order: bool, limit_mb: float, refused: int, total: int) -> str:
    """One notice for a whole album (not one per item): how many of its files were not kept."""
    what = "по одному заказ-наряду" if per_order else "за сутки"
    which = "" if refused == total else f"{refused} из {total} "
    return (
        f"⚠️ Файлы альбома переданы сотруднику, но {which}не сохранены в папку заказ-наряда: "
        f"превышен объём загрузки {what} ({limit_mb:g} МБ). Если нужно передать больше, "
        "договоритесь с сотрудником."
    )


# --- a workshop day: fewer taps, words not internals (issue 16, scenario) ---


def care_reply_taken_by_other(name: str) -> str:
    return (
        f"Обращение этого клиента уже взял(а) {esc(name)}: ваш ответ не отправлен, он остался у вас в чате."
    )


# --- the inspection story (issue 15, end to end) ---

REC_PRICE_ZERO = (
    "Стоимость должна быть больше нуля: клиент согласует платную работу. Напишите сумму в рублях, "
    "например: 1 200 или 1200,50"
)


def rec_list_more(count: int) -> str:
    """Above the newest recommendations when the older ones do not fit one message."""
    return f"… и ещё {count} ранее (в итогах выше они учтены)"


# --- leftovers (issues 15/16: admin menu, dialogs, pins, status templates) ---


def admin_nobody_or_client(query: str, number: str) -> str:
    """Nobody found by the admin's text while their order's client is connected."""
    shown = query if len(query) <= 60 else query[:60] + "…"
    return (
        f"🔎 Никого не нашлось по «{esc(shown)}».\n"
        f"Если это сообщение клиенту по заказ-наряду <b>{esc(number)}</b> — нажмите кнопку ниже: "
        "оно уйдёт как есть, набирать заново не нужно (меню администратора закроется)."
    )


ADMIN_TEMPLATES_BUTTON = "📝 Сообщения о статусах"
ADMIN_TEMPLATES_BACK = "◀️ Другие статусы"
ADMIN_TEMPLATES_CHOOSE = (
    "📝 <b>Сообщения клиенту о статусах</b>\n"
    "Выберите статус: покажу текст, который получает клиент, и его можно заменить."
)
ADMIN_TEMPLATE_SAMPLE = {"order": "0000123", "plate": "1234 AB-7"}  # the preview's order and car
ADMIN_TEMPLATE_BAD = (
    "⚠️ Текст не сохранён: в нём подстановка, которой нет, одиночная фигурная скобка, строка, "
    "начинающаяся с #, или строка вида [заголовок]. Можно: {order} — номер заказ-наряда, "
    "{plate} — госномер, {status} — статус, {organization} — название сервиса; скобки в самом тексте "
    "пишите двойными: {{ }}. Отправьте исправленный текст."
)
ADMIN_TEMPLATE_TEXT_ONLY = "Отправьте новый текст сообщения (обычным сообщением) или вернитесь в меню."


def admin_template_shown(label: str, template: str) -> str:
    return (
        f"📝 Статус «{esc(label)}». Клиент сейчас получает:\n\n<code>{esc(template)}</code>\n\n"
        "Чтобы заменить, отправьте новый текст. Подстановки: {order} — номер заказ-наряда, "
        "{plate} — госномер, {status} — статус, {organization} — название сервиса."
    )


def admin_template_saved(label: str, preview_html: str) -> str:
    """`preview_html` is the rendered template (already escaped)."""
    return f"✅ Сообщение для статуса «{esc(label)}» сохранено. Так его увидит клиент:\n\n{preview_html}"
