"""Every user-facing string of the bot, in Russian.

Messages are sent with parse_mode HTML, so every value that comes from a user, a file or a
folder name goes through `esc()` here, never in handlers.
"""

from __future__ import annotations

import html

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
ADMIN_MENU = "🛠 <b>Меню администратора</b>\nВыберите действие:"
ADMIN_BUTTONS = {
    "level": "Уровень доступа",
    "name": "Имя пользователя",
    "activity": "Активность пользователя",
    "order_protocol": "Протокол по заказ-наряду",
    "general_protocol": "Протокол вне открытых заказ-нарядов",
    "users": "Список пользователей",
}
ADMIN_ASK_USER = "Отправьте номер телефона пользователя или выберите его из списка.\nОтменить — /cancel."
ADMIN_BAD_PHONE = (
    "Это не похоже на номер телефона. Отправьте номер, например +375291234567, или выберите из списка."
)
ADMIN_USER_GONE = "Пользователь не найден. Выберите другого."
ADMIN_NO_USERS = "В базе пока нет пользователей."
ADMIN_PREV = "◀️ Назад"
ADMIN_NEXT = "Вперёд ▶️"


def admin_user_not_found(phone: str) -> str:
    return f"Пользователь с телефоном {esc(phone)} не найден. Отправьте другой номер или выберите из списка."


def admin_users_page(page: int, pages: int) -> str:
    return f"Выберите пользователя (страница {page + 1} из {pages}):"


def user_line(name: str | None, tg_name: str, phone: str, level: int, activity: int) -> str:
    """Plain text (buttons and .txt lists): never HTML."""
    shown = name or tg_name or "без имени"
    return f"{shown} · {phone} · {LEVEL_NAMES[Level(level)]} · {ACTIVITY_NAMES[activity]}"


def admin_user_card(name: str | None, tg_name: str, phone: str, level: int, activity: int) -> str:
    return (
        f"Пользователь: <b>{esc(name or '—')}</b> (в Telegram: {esc(tg_name or '—')})\n"
        f"Телефон: {esc(phone)}\nУровень: {LEVEL_NAMES[Level(level)]}\nАктивность: {ACTIVITY_NAMES[activity]}"
    )


ADMIN_CHOOSE_LEVEL = "Выберите новый уровень доступа:"
ADMIN_CHOOSE_ACTIVITY = "Выберите активность:"
ADMIN_ASK_NAME = (
    "Отправьте новое имя пользователя (до 64 символов). Его будут видеть клиенты.\nОтменить — /cancel."
)
ADMIN_BAD_NAME = "Имя должно быть текстом от 1 до 64 символов. Отправьте имя ещё раз."
ADMIN_LAST_ADMIN = "Нельзя: вы единственный активный администратор. Сначала назначьте другого администратора."
ADMIN_PRESS_BUTTON = "Выберите вариант кнопкой ниже или нажмите /cancel."


def level_button(level: Level) -> str:
    return f"{int(level)} — {LEVEL_NAMES[level]}"


def activity_button(activity: int) -> str:
    return f"{activity} — {ACTIVITY_NAMES[activity]}"


def admin_level_set(name: str, level: Level) -> str:
    return f"✅ Уровень пользователя {esc(name)}: {LEVEL_NAMES[level]}."


def admin_name_set(phone: str, name: str) -> str:
    return f"✅ Имя пользователя {esc(phone)}: <b>{esc(name)}</b>."


def admin_activity_set(name: str, activity: int) -> str:
    return f"✅ Пользователь {esc(name)}: {ACTIVITY_NAMES[activity]}."


def role_changed_notice(level: Level) -> str:
    return f"Администратор изменил вашу роль: {LEVEL_NAMES[level]}. Список команд: /help"


ADMIN_ASK_ORDER = "Отправьте номер заказ-наряда.\nОтменить — /cancel."


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


def type_chosen(number: str, type_label: str, hidden: bool) -> str:
    text = (
        f"✅ {_order_line(number)}, тип действия «{esc(type_label)}».\nОтправляйте фото, видео и документы."
    )
    if hidden:
        text += "\n🔒 Этот тип — для сервисных нужд: файлы сохраняются на сервере и клиенту не отправляются."
    return text


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
    number: str, plate: str | None, name: str | None, phone: str | None, connected: bool, data_ok: bool
) -> str:
    """A list's order button (plain text, not HTML): mark, number, plate, client.
    The order's status goes after the number once orders have statuses."""
    mark = "✅" if connected else ("❌" if data_ok else "⚠️")
    parts = [f"{mark} {number}", plate_display(plate) if plate else "", _client_part(name, phone)]
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
) -> str:
    """The order just chosen, in one message above its stage buttons."""
    lines = _car_and_client(number, plate, name, phone, connected, data_ok)
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
) -> str:
    """The pinned message: the current order, its car and client, its stage (the buttons change it)."""
    stage = f"<b>{esc(type_label)}</b>" if type_label else "не выбран — выберите кнопкой ниже"
    lines = ["📌 Сейчас в работе:", *_car_and_client(number, plate, name, phone, connected, data_ok)]
    lines.append(f"Тип действия: {stage}")
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
        "Закончить — кнопка «Закрыть» или /cancel."
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
