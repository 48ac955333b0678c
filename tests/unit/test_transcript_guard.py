"""The e2e transcript guard (tests/e2e/transcript_guard.py): what it flags and what it lets through."""

from __future__ import annotations

from tests.e2e.transcript_guard import findings
from tests.emulator import TelegramEmulator
from tests.emulator.transcript import Said, said_in_call


def _said(text: str, kind: str = "text") -> Said:
    return Said(kind, 1, text, "sendmessage")


async def test_folder_names_ids_html_and_reprs_are_flagged() -> None:
    emu = TelegramEmulator()
    user = emu.add_user(first_name="Ольга", phone="+375291234567")
    stored = emu.store_file("document", b"x", file_name="a.pdf", mime_type="application/pdf")
    leaks = {
        "Сохранено в папку Inspection": "folder name 'Inspection'",
        "Inspection/20261202_1.jpg": "folder name 'Inspection'",
        "этап «inspection»": "folder name 'inspection'",
        f"файл {stored.file_id}": "file id",
        f"Клиент {user.id} написал": f"raw user id '{user.id}'",
        "Имя: &lt;b&gt;": "HTML entity shown literally '&lt;'",
        "<b>Протокол</b>": "HTML tag shown literally '<b>'",
        "Имя: None": "Python repr 'None'",
        "Заказы: ['a1']": "Python repr",
        "Клиент {name}": "unformatted template '{name}'",
        "Папка недоступна: [Errno 13] Permission denied": "Python error '[Errno 13]'",
        "Ошибка: KeyError: 'x'": "Python error 'KeyError:'",
    }
    for text, rule in leaks.items():
        found = findings(emu, [_said(text)])
        assert found and any(rule in line for line in found), (text, found)


async def test_words_people_read_and_what_they_typed_pass() -> None:
    emu = TelegramEmulator()
    user = emu.add_user(first_name="<b>&", phone="+375291234567")
    clean = [
        "Сохранено: 2 файла — Заказ-наряд a000177322, «Прием автомобилей».",
        "Телефон: +375291234567",  # the phone holds the digits of no user id
        "Имя в Telegram: <b>&",  # the person's own name, shown escaped as typed
        "Сервисный центр · Обслуживание",
        "Inspection_report.pdf",  # a word inside a file name is not the folder
    ]
    assert findings(emu, [_said(text) for text in clean]) == []
    assert user.first_name == "<b>&"
    assert findings(emu, [_said("Клиент написал: Inspection")], allowed=["Inspection"]) == []


def test_said_is_what_telegram_shows() -> None:
    parsed = said_in_call(
        "sendMessage", {"chat_id": 1, "text": "<b>Заказ</b> &amp;lt;", "parse_mode": "HTML"}, {}, {}
    )
    assert [s.text for s in parsed] == ["Заказ &lt;"]
    raw = said_in_call("sendMessage", {"chat_id": 1, "text": "<b>Заказ</b>"}, {}, {})
    assert [s.text for s in raw] == ["<b>Заказ</b>"]
    buttons = said_in_call(
        "editMessageReplyMarkup",
        {
            "chat_id": 1,
            "reply_markup": {"inline_keyboard": [[{"text": "📄 Inspection", "callback_data": "x"}]]},
        },
        {},
        True,
    )
    assert [(s.kind, s.text) for s in buttons] == [("button", "📄 Inspection")]
    alert = said_in_call("answerCallbackQuery", {"callback_query_id": "1", "text": "None"}, {}, True)
    assert [(s.kind, s.text) for s in alert] == [("alert", "None")]
    document = said_in_call("sendDocument", {"chat_id": 1}, {}, {"document": {"file_name": "Service.pdf"}})
    assert [(s.kind, s.text) for s in document] == [("file_name", "Service.pdf")]
