"""Running at a dealer: one copy per database, paths next to bot.py, --check, --backup and restore,
--demo, the bot's profile."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import config_loader
import texts
from ops.lock import lock_path
from tests.e2e.conftest import ADMIN_PHONE, TOKEN, BotFactory
from tests.e2e.flows import CLIENT_PHONE as CLIENT_PHONE_OF_SAMPLE
from tests.e2e.flows import ORDER, blob, choose_by_calendar, choose_stage, wait_report
from tests.e2e.harness import REPO_ROOT, BotProcess
from tests.e2e.helpers import connect, set_user
from tests.emulator import TelegramEmulator

CLIENT_PHONE = "+375291234567"


def run_bot_py(bot: BotProcess, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "bot.py"), *args],
        cwd=bot.workdir,
        env=env or bot.env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


async def run_async(
    bot: BotProcess, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(run_bot_py, bot, *args, env=env)


async def still_answers(emulator: TelegramEmulator, phone: str = CLIENT_PHONE) -> None:
    user = emulator.add_user(phone=phone)
    await user.send_text("/start")
    await user.wait_text("Отправить мой номер", timeout=30)


# --- 12.8 one copy at a time -----------------------------------------------------------------------


async def test_second_copy_exits_at_once_and_a_killed_first_does_not_block_the_next(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path
) -> None:
    first = await bot_factory(branch_photo=orders_dir)
    second = await bot_factory(branch_photo=orders_dir, start=False, name="second")
    await second.start(wait_polling=False)
    assert await second.wait(timeout=60) == 3
    output = second.output_text()
    assert "Бот уже запущен" in output and f"процесс {first.pid}" in output
    assert str(lock_path(first.database_path)) in output
    assert "Traceback" not in output
    assert not [call for call in emulator.recent_errors(last=100) if call.status == 409]  # never polled
    assert first.running
    await still_answers(emulator)

    first.kill()  # kill -9: the OS drops the lock with the process
    third = await bot_factory(branch_photo=orders_dir, name="third")
    assert third.running
    await still_answers(emulator, "+375291234568")


# --- 12.9 paths next to bot.py ---------------------------------------------------------------------


def _copy_of_the_bot(target: Path) -> Path:
    skip = shutil.ignore_patterns(".git", ".venv", "tests", "bench", "__pycache__", "*.db*", "logs", "Photo")
    shutil.copytree(REPO_ROOT, target, ignore=skip)
    return target


async def test_files_are_found_and_made_next_to_bot_py_whatever_the_working_directory(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    home = _copy_of_the_bot(tmp_path / "dealer-bot")
    (home / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\nTELEGRAM_API_URL={emulator.base_url}\n"
        "ADMIN_PHONES=+375290000001, +375290000002\n",
        encoding="utf-8",
    )
    elsewhere = tmp_path / "system32"
    elsewhere.mkdir()
    settings_names = {*config_loader.SETTING_NAMES, "BOT_TOKEN"}  # only .env speaks here
    env = {k: v for k, v in os.environ.items() if k not in settings_names}
    env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    with (tmp_path / "out.log").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(home / "bot.py")],
            cwd=elsewhere,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            await emulator.wait_polling(90)
            admin = emulator.add_user(phone="+375290000002")
            await connect(admin)  # ADMIN_PHONES from .env, written with a comma and a space
            assert "Ваша роль: администратор" in admin.messages[-1].text
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
    assert (home / "bot.db").is_file() and (home / "logs" / "bot.log").is_file()
    assert f"orders folder: {home / 'Photo'}" in (home / "logs" / "bot.log").read_text(encoding="utf-8")
    assert list(elsewhere.iterdir()) == []
    for made in (home / "bot.db", home / "logs" / "bot.log"):
        assert made.stat().st_mode & 0o007 == 0  # nothing for other local users


# --- 17.3 python bot.py --check -------------------------------------------------------------------


async def test_check_is_green_on_a_working_setup(bot_factory: BotFactory, orders_dir: Path) -> None:
    bot = await bot_factory(branch_photo=orders_dir, start=False)
    env = {**bot.env(), "MIN_FREE_DISK_MB": "1"}
    result = await run_async(bot, "--check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "токен принят, бот @" in result.stdout
    assert "чтение и запись есть" in result.stdout
    assert "штрих-коды и госномера распознаются" in result.stdout
    assert texts.CHECK_MARKS["fail"] not in result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="/proc is Linux")
async def test_check_is_red_on_a_wrong_token_and_an_unwritable_folder(
    bot_factory: BotFactory, orders_dir: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir, start=False)
    # /proc/1 can be listed but nobody, root included, can create a file in it
    env = {
        **bot.env(),
        "BOT_TOKEN": "999999:WRONG-token-abc",
        "BRANCH_PHOTO": "/proc/1",
        "MIN_FREE_DISK_MB": "0",
    }
    result = await run_async(bot, "--check", env=env)
    assert result.returncode == 1
    assert "токен не принят" in result.stdout
    assert "Папка заказ-нарядов /proc/1: нет чтения или записи" in result.stdout
    assert texts.check_failed(2) in result.stdout and "Traceback" not in result.stderr


async def test_check_names_a_bad_setting(bot_factory: BotFactory) -> None:
    bot = await bot_factory(start=False)
    result = await run_async(bot, "--check", env={**bot.env(), "ADMIN_PHONES": "+375291110001, boss"})
    assert result.returncode == 1
    assert "ADMIN_PHONES" in result.stdout and "Пример: ADMIN_PHONES=" in result.stdout


# --- 17.4 backup while the bot writes, restore, start on it --------------------------------------


async def test_backup_taken_while_running_restores_and_the_bot_starts_on_it(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir)
    client = emulator.add_user(phone=CLIENT_PHONE)
    await connect(client)
    result = await run_async(bot, "--backup")  # the bot keeps running and writing meanwhile
    assert result.returncode == 0, result.stdout + result.stderr
    backup = Path(result.stdout.split("базы: ", 1)[1].rsplit(" (", 1)[0])
    assert backup.parent == bot.workdir / "backups" and backup.is_file()
    await bot.stop()

    # README «Восстановление из копии»: stop, remove bot.db and its -wal/-shm, put the copy in its place
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bot.database_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, bot.database_path)
    await bot.start(timeout=60)
    client.mark()
    await client.send_text("/start")
    await client.wait_text("Вы уже подключены", timeout=30)  # the restored database knows them


# --- 17.8 demo --------------------------------------------------------------------------------------


async def test_demo_on_sample_orders_makes_the_first_contact_admin(
    emulator: TelegramEmulator, bot_factory: BotFactory, tmp_path: Path
) -> None:
    env = {"BRANCH_PHOTO": str(tmp_path / "real-folders"), "DATABASE_PATH": str(tmp_path / "real.db")}
    bot = await bot_factory(args=["--demo"], admin_phones=[], extra_env=env)
    output = bot.output_text()
    assert "Демо-режим" in output
    demo_photo = Path(output.split("скопированы в ", 1)[1].split(",", 1)[0])
    try:
        first = emulator.add_user(phone="+375297770001")
        await connect(first)
        assert "Ваша роль: администратор" in first.messages[-1].text
        client = emulator.add_user(phone=CLIENT_PHONE_OF_SAMPLE)  # the owner in a sample content.txt
        await connect(client)
        assert "Фото, видео и сообщения по вашему автомобилю" in client.messages[-1].text

        # the whole path: the admin (staff) picks a sample order, takes a photo, the owner gets it
        await choose_by_calendar(first, ORDER)
        await choose_stage(first)
        await first.send_photo(blob("demo-photo"))
        assert "Сохранено" in (await wait_report(first)).content
        await client.wait_for(lambda m: m.kind == "photo", timeout=30)
        assert [p.read_bytes() for p in (demo_photo / ORDER / "Inspection").iterdir()].count(
            blob("demo-photo")
        ) == 1
        assert not (tmp_path / "real.db").exists() and not (tmp_path / "real-folders").exists()
    finally:
        await bot.stop()
        shutil.rmtree(demo_photo.parent, ignore_errors=True)


# --- 17.7 profile ---------------------------------------------------------------------------------


async def test_profile_is_russian_and_set_only_when_it_differs(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path
) -> None:
    bot = await bot_factory(branch_photo=orders_dir)
    for lang in ("", "ru"):
        for kind in ("description", "short_description"):
            assert await _eventually(lambda k=kind, g=lang: emulator.descriptions.get((k, g)))
        assert emulator.descriptions[("description", lang)] == texts.BOT_DESCRIPTION
        assert emulator.descriptions[("short_description", lang)] == texts.BOT_SHORT_DESCRIPTION
    await bot.stop()
    calls_before = len(emulator.calls)
    await bot.start(timeout=60)
    await _eventually(
        lambda: sum(c.method.lower() == "getmyshortdescription" for c in emulator.calls[calls_before:]) >= 2
    )
    await asyncio.sleep(1)
    again = [c.method.lower() for c in emulator.calls[calls_before:]]
    assert "getmydescription" in again
    assert not {"setmydescription", "setmyshortdescription", "setmycommands"} & set(again)


async def _eventually(check, timeout: float = 30.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := check()) and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return result


async def test_a_deactivated_user_falls_back_to_the_default_menu(
    emulator: TelegramEmulator, bot: BotProcess
) -> None:
    admin = emulator.add_user(phone=ADMIN_PHONE)
    await connect(admin)
    employee = emulator.add_user(phone="+375291112244")
    await connect(employee)
    set_user(bot, employee.id, level=2)
    await employee.send_text("/start")  # the menu follows the role
    await employee.wait_text("Ваша роль: сотрудник")
    assert {c["command"] for c in emulator.commands_for(employee)} >= {"order", "type"}

    await admin.send_text("/admin")
    await admin.wait_for(timeout=15)
    await admin.send_text(employee.phone or "")
    card = await admin.wait_text("Последний раз в боте")
    await admin.press_button(texts.ADMIN_CARD_BUTTONS["block"])
    await admin.wait_until(lambda: "Активность изменена: не активен" in card.content)
    assert await _eventually(
        lambda: {c["command"] for c in emulator.commands_for(employee)} == {"start", "help"}
    )


async def test_emulator_refuses_descriptions_telegram_refuses(emulator: TelegramEmulator) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)))
    try:
        for call in (
            bot.set_my_description("я" * 513),
            bot.set_my_short_description("я" * 121),
            bot.set_my_description("ok", language_code="russian"),
        ):
            with pytest.raises(TelegramBadRequest):
                await call
        assert await bot.set_my_short_description("я" * 120, language_code="ru")
        assert (await bot.get_my_short_description(language_code="ru")).short_description == "я" * 120
        assert (await bot.get_my_short_description()).short_description == ""
    finally:
        await bot.session.close()
