import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from config import ConfigError, bot_folder, load_settings

BASE_DIR = bot_folder()

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-abcdef"


def settings(tmp_path: Path, **env: str):
    return load_settings(env={"BOT_TOKEN": TOKEN, **env}, env_file=tmp_path / "missing.env")


def test_defaults_follow_the_spec(tmp_path: Path) -> None:
    s = settings(tmp_path)
    assert s.branch_photo == BASE_DIR / "Photo"
    assert s.database_path == BASE_DIR / "bot.db"
    assert s.log_dir == BASE_DIR / "logs"
    assert s.backup_dir == BASE_DIR / "backups"
    assert s.type_order["Для сервисных нужд"] == "Service"
    assert s.type_order["Прием автомобилей"] == "Inspection"
    assert s.hidden_type_folder == "Service"
    assert s.closed_order == "closed"
    assert s.telegram_api_url == ""
    assert s.telegram_api_local is False


def test_environment_overrides_every_kind_of_value(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        BRANCH_PHOTO="/srv/orders",
        TYPE_ORDER='{"Приемка": "In", "Сервис": "Service"}',
        ADMIN_PHONES='["+375 29 611-22-33", "8 (029) 700-00-01"]',
        TELEGRAM_API_URL="http://127.0.0.1:8081/",
        TELEGRAM_API_LOCAL="true",
        SEND_RATE_PER_CHAT="0",
    )
    assert s.branch_photo == Path("/srv/orders")
    assert s.type_order == {"Приемка": "In", "Сервис": "Service"}
    assert s.admin_phones == ("+375296112233", "+375297000001")
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert s.telegram_api_local is True
    assert s.send_rate_per_chat == 0


def test_token_comes_from_dotenv_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"# comment\nBOT_TOKEN='{TOKEN}'\n", encoding="utf-8")
    assert load_settings(env={}, env_file=env_file).bot_token == TOKEN


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"BOT_TOKEN": ""}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"TYPE_ORDER": "{broken"}, "TYPE_ORDER"),
        ({"TYPE_ORDER": '{"A": "../up"}'}, "TYPE_ORDER"),
        ({"TYPE_ORDER": "{}"}, "TYPE_ORDER"),
        ({"ADMIN_PHONES": '["12"]'}, "ADMIN_PHONES"),
        ({"ADMIN_PHONES": "+375291110001, call me"}, "ADMIN_PHONES"),
        ({"ADMIN_PHONES": "[broken"}, "ADMIN_PHONES"),
        ({"BACKUP_KEEP": "0"}, "BACKUP_KEEP"),
        ({"MIN_FREE_DISK_MB": "-1"}, "MIN_FREE_DISK_MB"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"TELEGRAM_API_LOCAL": "maybe"}, "TELEGRAM_API_LOCAL"),
        ({"SEND_RATE_GLOBAL": "fast"}, "SEND_RATE_GLOBAL"),
        ({"BRANCH_PHOTO": " "}, "BRANCH_PHOTO"),
        ({"DIGEST_TIME": "25:00"}, "DIGEST_TIME"),
        ({"DIGEST_TIME": "7pm"}, "DIGEST_TIME"),
    ],
)
def test_bad_setting_is_named(tmp_path: Path, env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[")):
        settings(tmp_path, **env)


def test_bad_setting_stops_the_bot_with_status_2_and_one_message(tmp_path: Path) -> None:
    env = {"PATH": "", "BOT_TOKEN": TOKEN, "TYPE_ORDER": "[1, 2]", "SYSTEMROOT": ""}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py")], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "TYPE_ORDER" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_loader_imported_first_still_reads_config_py(tmp_path: Path) -> None:
    """config.py re-exports the loader and the loader reads config.py: either can be imported first."""
    missing = str(tmp_path / "missing.env")
    code = (
        "import config_loader, pathlib\n"
        f"env_file = pathlib.Path({missing!r})\n"
        f"s = config_loader.load_settings(env={{'BOT_TOKEN': {TOKEN!r}}}, env_file=env_file)\n"
        "print(s.hidden_type_folder)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Service"


def test_every_dealer_setting_can_be_overridden(tmp_path: Path) -> None:
    import config
    import config_loader

    dealer_settings = {name for name in vars(config) if name.isupper() and not name.startswith("_")}
    assert dealer_settings == set(config_loader.SETTING_NAMES)


@pytest.mark.parametrize(
    "written",
    [
        "+375291110001,+375291110002",
        "+375291110001, +375291110002",
        "+375 29 111-00-01; 8 (029) 111-00-02",
        "+375291110001 +375291110002",
        '["+375291110001", "375291110002"]',
        "291110001,\n291110002",
    ],
)
def test_admin_phones_are_read_the_way_dealers_write_them(tmp_path: Path, written: str) -> None:
    assert settings(tmp_path, ADMIN_PHONES=written).admin_phones == ("+375291110001", "+375291110002")


def test_admin_phones_from_dotenv_without_quotes_or_json(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={TOKEN}\nADMIN_PHONES=+375291110001,+375291110002\n", encoding="utf-8")
    assert load_settings(env={}, env_file=env_file).admin_phones == ("+375291110001", "+375291110002")


@pytest.mark.parametrize(
    ("env", "example"),
    [
        ({"ADMIN_PHONES": "+375291110001, boss"}, "ADMIN_PHONES=+375291110001,+375291110002"),
        ({"TYPE_ORDER": "Прием=Inspection"}, 'TYPE_ORDER={"Прием автомобилей": "Inspection"'),
        ({"TYPE_ORDER": "[1]"}, 'TYPE_ORDER={"Прием автомобилей": "Inspection"'),
    ],
)
def test_a_list_or_dict_error_shows_an_example(tmp_path: Path, env: dict[str, str], example: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings(tmp_path, **env)
    assert example in str(error.value)
    assert str(error.value).startswith(next(iter(env)))


def test_relative_paths_resolve_against_the_bot_folder_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "bot-home"
    (base).mkdir()
    (base / ".env").write_text(f"BOT_TOKEN={TOKEN}\nBRANCH_PHOTO=orders\n", encoding="utf-8")
    s = load_settings(env={"LOG_DIR": "var/logs", "DATABASE_PATH": "/srv/bot.db"}, base_dir=base)
    assert s.branch_photo == base / "orders"  # .env found in the bot folder, path resolved there
    assert s.log_dir == base / "var" / "logs"
    assert s.database_path == Path("/srv/bot.db")  # absolute stays as written
    assert s.backup_dir == base / "backups"


def test_ocr_engine_is_chosen_and_checked(tmp_path: Path) -> None:
    assert settings(tmp_path).ocr_engine == "rapidocr"
    assert settings(tmp_path, OCR_ENGINE=" Tesseract ").ocr_engine == "tesseract"
    with pytest.raises(ConfigError, match="OCR_ENGINE"):
        settings(tmp_path, OCR_ENGINE="easyocr")


def test_digest_time_is_local_hours_and_minutes_and_empty_switches_it_off(tmp_path: Path) -> None:
    assert settings(tmp_path).digest_time == time(19, 0)
    assert settings(tmp_path, DIGEST_TIME="7:05").digest_time == time(7, 5)
    assert settings(tmp_path, DIGEST_TIME="").digest_time is None
