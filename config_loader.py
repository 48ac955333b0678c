"""Reading and checking the dealer's settings: the values in config.py, then `.env` next to bot.py, then
the environment; every error is a ConfigError naming the setting, in Russian, for the dealer.

config.py (the file the dealer edits) re-exports `Settings`, `load_settings`, `ConfigError` and
`bot_folder`, so the bot's modules import them from `config`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import time as clock_time
from pathlib import Path
from types import ModuleType
from typing import Any

# Every dealer setting of config.py (tests/unit/test_config.py checks none is missing).
SETTING_NAMES = (
    "BRANCH_PHOTO",
    "TYPE_ORDER",
    "HIDDEN_TYPE_FOLDER",
    "CLIENT_FILES_FOLDER",
    "CLOSED_ORDER",
    "ORGANIZATION_NAME",
    "BRANCH_TESSERACT",
    "OCR_ENGINE",
    "DATABASE_PATH",
    "ADMIN_PHONES",
    "TELEGRAM_API_URL",
    "TELEGRAM_API_LOCAL",
    "LOG_DIR",
    "LOG_LEVEL",
    "SEND_RATE_GLOBAL",
    "SEND_RATE_PER_CHAT",
    "ORDER_RESCAN_SECONDS",
    "DURABLE_INBOX",
    "BACKUP_DIR",
    "BACKUP_KEEP",
    "MIN_FREE_DISK_MB",
    "CLIENT_UPLOAD_ORDER_MB",
    "CLIENT_UPLOAD_DAY_MB",
    "CARE_REMIND_MINUTES",
    "DIGEST_TIME",
    "DELIVERY_SLOW_SECONDS",
    "ORDER_STATUSES",
    "STATUS_MESSAGES_FILE",
    "REPORT_FONT",
)
# The folder of bot.py, config.py and this file: relative paths and .env are found here, not in the
# folder the bot happens to be started from (Task Scheduler and services start elsewhere).
_BASE_DIR = Path(__file__).resolve().parent


def bot_folder() -> Path:
    """The folder of bot.py, where .env and the default files live."""
    return _BASE_DIR


# How a dealer writes a value, shown when they wrote it otherwise.
_EXAMPLES = {
    "ADMIN_PHONES": "ADMIN_PHONES=+375291110001,+375291110002",
    "TYPE_ORDER": 'TYPE_ORDER={"Прием автомобилей": "Inspection", "Прочее": "Other"}',
    "ORDER_STATUSES": 'ORDER_STATUSES={"accepted": "Принят", "ready": "Готов к выдаче"}',
}
# The statuses when a Settings is built in code (tests) without config.py; config.py lists the same.
DEFAULT_ORDER_STATUSES = {
    "accepted": "Принят",
    "diagnosis": "Диагностика",
    "approval": "Ждёт согласования",
    "in_work": "В работе",
    "ready": "Готов к выдаче",
    "handed_over": "Выдан",
}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_OCR_ENGINES = ("rapidocr", "tesseract")  # recognition.plates.ENGINES (not imported: it loads OpenCV)


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it, in Russian, for the dealer."""


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str
    branch_photo: Path
    type_order: dict[str, str]
    hidden_type_folder: str
    client_files_folder: str
    closed_order: str
    organization_name: str
    branch_tesseract: str
    ocr_engine: str
    database_path: Path
    admin_phones: tuple[str, ...]
    telegram_api_url: str
    telegram_api_local: bool
    log_dir: Path
    log_level: str
    send_rate_global: float
    send_rate_per_chat: float
    order_rescan_seconds: float
    durable_inbox: bool
    backup_dir: Path
    backup_keep: int
    min_free_disk_mb: float
    demo: bool  # python bot.py --demo: sample folders, the first contact becomes admin (ops/demo.py)
    client_upload_order_mb: float
    client_upload_day_mb: float
    care_remind_minutes: float = 15.0
    digest_time: clock_time | None = None  # the admins' daily digest, local time; None: not sent
    delivery_slow_seconds: float = 30.0  # a delivery waiting longer shows its sender a notice
    # key -> label, in the order staff see them; keys are stored in order_statuses (0010)
    order_statuses: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ORDER_STATUSES))
    # the owner's message per status, edited by the dealer (services/inspection/status_templates.py)
    status_messages_file: Path = _BASE_DIR / "status_messages.txt"
    report_font: Path | None = None  # a TTF with Cyrillic for the PDF report; None: look on the system

    def is_hidden_folder(self, folder: str) -> bool:
        return folder.casefold() == self.hidden_type_folder.casefold()


def load_settings(
    env: dict[str, str] | None = None, env_file: Path | None = None, base_dir: Path | None = None
) -> Settings:
    """Build Settings from config.py's values, `.env` and the environment; raise ConfigError.

    Relative paths resolve against `base_dir` (the bot's folder), whatever the working directory."""
    import config  # here, not at the top: config.py imports this module to re-export its names

    base = _BASE_DIR if base_dir is None else base_dir
    environ = dict(os.environ if env is None else env)
    file_values = _read_env_file(env_file if env_file is not None else base / ".env")
    merged = {**file_values, **environ}
    raw = {name: _raw_value(name, merged, config) for name in SETTING_NAMES}

    def path(name: str) -> Path:
        return base / Path(_text(name, raw[name])).expanduser()

    return Settings(
        bot_token=_token(merged.get("BOT_TOKEN", "")),
        branch_photo=path("BRANCH_PHOTO"),
        type_order=_type_order(raw["TYPE_ORDER"]),
        hidden_type_folder=_folder_name("HIDDEN_TYPE_FOLDER", raw["HIDDEN_TYPE_FOLDER"]),
        client_files_folder=_folder_name("CLIENT_FILES_FOLDER", raw["CLIENT_FILES_FOLDER"]),
        closed_order=_text("CLOSED_ORDER", raw["CLOSED_ORDER"]),
        organization_name=_text("ORGANIZATION_NAME", raw["ORGANIZATION_NAME"]),
        branch_tesseract=str(raw["BRANCH_TESSERACT"] or "").strip(),
        ocr_engine=_ocr_engine(raw["OCR_ENGINE"]),
        database_path=path("DATABASE_PATH"),
        admin_phones=_admin_phones(raw["ADMIN_PHONES"]),
        telegram_api_url=_api_url(raw["TELEGRAM_API_URL"]),
        telegram_api_local=_flag("TELEGRAM_API_LOCAL", raw["TELEGRAM_API_LOCAL"]),
        log_dir=path("LOG_DIR"),
        log_level=_log_level(raw["LOG_LEVEL"]),
        send_rate_global=_non_negative("SEND_RATE_GLOBAL", raw["SEND_RATE_GLOBAL"]),
        send_rate_per_chat=_non_negative("SEND_RATE_PER_CHAT", raw["SEND_RATE_PER_CHAT"]),
        order_rescan_seconds=_positive("ORDER_RESCAN_SECONDS", raw["ORDER_RESCAN_SECONDS"]),
        durable_inbox=_flag("DURABLE_INBOX", raw["DURABLE_INBOX"]),
        backup_dir=path("BACKUP_DIR"),
        backup_keep=int(_positive("BACKUP_KEEP", raw["BACKUP_KEEP"])),
        min_free_disk_mb=_non_negative("MIN_FREE_DISK_MB", raw["MIN_FREE_DISK_MB"]),
        demo=False,
        client_upload_order_mb=_positive("CLIENT_UPLOAD_ORDER_MB", raw["CLIENT_UPLOAD_ORDER_MB"]),
        client_upload_day_mb=_positive("CLIENT_UPLOAD_DAY_MB", raw["CLIENT_UPLOAD_DAY_MB"]),
        care_remind_minutes=_positive("CARE_REMIND_MINUTES", raw["CARE_REMIND_MINUTES"]),
        digest_time=_clock_time("DIGEST_TIME", raw["DIGEST_TIME"]),
        delivery_slow_seconds=_positive("DELIVERY_SLOW_SECONDS", raw["DELIVERY_SLOW_SECONDS"]),
        order_statuses=_order_statuses(raw["ORDER_STATUSES"]),
        status_messages_file=path("STATUS_MESSAGES_FILE"),
        report_font=path("REPORT_FONT") if _text_or_empty(raw["REPORT_FONT"]) else None,
    )


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _raw_value(name: str, environ: dict[str, str], dealer: ModuleType) -> Any:
    default = getattr(dealer, name)
    if name not in environ:
        return default
    value = environ[name]
    if isinstance(default, dict) or (isinstance(default, list) and value.lstrip().startswith("[")):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name}: не читается как JSON ({exc.msg}).{_example(name)}") from exc
    if isinstance(default, list):  # written the way people write lists: a, b; c
        return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
    return value


def _example(name: str) -> str:
    return f" Пример: {_EXAMPLES[name]}" if name in _EXAMPLES else ""


def _token(value: str) -> str:
    token = value.strip()
    if not token:
        raise ConfigError("BOT_TOKEN не задан: укажите его в переменной окружения или в файле .env")
    head, _, tail = token.partition(":")
    if not head.isdigit() or len(tail) < 5:
        raise ConfigError("BOT_TOKEN имеет неверный вид: ожидается 123456789:ABC... от @BotFather")
    return token


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: должна быть непустая строка")
    return value.strip()


def _text_or_empty(value: Any) -> str:
    return str(value or "").strip()


def _folder_name(name: str, value: Any) -> str:
    folder = _text(name, value)
    if any(ch in folder for ch in '\\/:*?"<>|') or folder in (".", ".."):
        raise ConfigError(f"{name}: «{folder}» не годится как имя подпапки")
    return folder


def _type_order(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(
            f"TYPE_ORDER: должен быть непустой словарь «подпись: подпапка».{_example('TYPE_ORDER')}"
        )
    result: dict[str, str] = {}
    for label, folder in value.items():
        if not isinstance(label, str) or not label.strip():
            raise ConfigError("TYPE_ORDER: подпись типа действия не может быть пустой")
        result[label.strip()] = _folder_name(f"TYPE_ORDER[{label!r}]", folder)
    if len(set(f.casefold() for f in result.values())) != len(result):
        raise ConfigError("TYPE_ORDER: две подписи ведут в одну подпапку")
    return result


_STATUS_KEY = re.compile(r"[a-z0-9_]{1,16}")


def _order_statuses(value: Any) -> dict[str, str]:
    example = _example("ORDER_STATUSES")
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"ORDER_STATUSES: должен быть непустой словарь «ключ: подпись».{example}")
    result: dict[str, str] = {}
    for key, label in value.items():
        if not isinstance(key, str) or not _STATUS_KEY.fullmatch(key):
            raise ConfigError(
                f"ORDER_STATUSES: ключ {key!r} — только латинские буквы, цифры и _, до 16 знаков.{example}"
            )
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > 40:
            raise ConfigError(f"ORDER_STATUSES[{key!r}]: подпись — непустая строка до 40 знаков")
        result[key] = label.strip()
    if len({label.casefold() for label in result.values()}) != len(result):
        raise ConfigError("ORDER_STATUSES: у двух статусов одна подпись")
    return result


def _admin_phones(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[,;\n]", value) if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"ADMIN_PHONES: должен быть список телефонов.{_example('ADMIN_PHONES')}")
    phones: list[str] = []
    for raw in value:
        found = _phones_in(str(raw))
        if found is None:
            raise ConfigError(f"ADMIN_PHONES: «{raw}» не похож на номер телефона.{_example('ADMIN_PHONES')}")
        phones.extend(p for p in found if p not in phones)
    return tuple(phones)


def _phones_in(text: str) -> list[str] | None:
    """One phone however spaced ("+375 (29) 111-00-01"), or several separated by spaces."""
    from services.phones import normalize_phone  # the one phone rule; no aiogram inside

    phone = normalize_phone(text)
    if phone is not None:
        return [phone]
    several = [normalize_phone(part) for part in text.split()]
    if len(several) > 1 and all(several):
        return [p for p in several if p]
    return None


def _api_url(value: Any) -> str:
    url = str(value or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError("TELEGRAM_API_URL: адрес должен начинаться с http:// или https://")
    return url


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "да", "on"):
        return True
    if text in ("0", "false", "no", "нет", "off", ""):
        return False
    raise ConfigError(f"{name}: ожидается true или false, получено «{value}»")


def _number(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: ожидается число, получено «{value}»") from exc


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if number < 0:
        raise ConfigError(f"{name}: число не может быть отрицательным")
    return number


def _positive(name: str, value: Any) -> float:
    number = _number(name, value)
    if number <= 0:
        raise ConfigError(f"{name}: число должно быть больше нуля")
    return number


def _ocr_engine(value: Any) -> str:
    engine = str(value or "").strip().lower()
    if engine not in _OCR_ENGINES:
        raise ConfigError(f"OCR_ENGINE: одно из {', '.join(_OCR_ENGINES)}")
    return engine


def _log_level(value: Any) -> str:
    level = str(value).strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: одно из {', '.join(_LOG_LEVELS)}")
    return level


def _clock_time(name: str, value: Any) -> clock_time | None:
    """ "ЧЧ:ММ" local time; empty: switched off."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{name}: ожидается время ЧЧ:ММ, например 19:00, получено «{text}»")
    return clock_time(int(match[1]), int(match[2]))
