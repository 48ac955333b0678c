"""Fixtures for end-to-end tests: a fresh emulator per test and `python bot.py` subprocesses.

    async def test_start(emulator, bot):
        user = emulator.add_user(phone="+375296112233")
        await user.send_text("/start")
        await user.wait_text("...")

``bot_factory(**kwargs)`` starts another BotProcess (kwargs go to BotProcess; by default all processes of
a test share one work dir, so a second process sees the same database and Photo folder - restarts).
``orders_dir`` is a writable copy of the order-folder fixtures (ORDER_FIXTURES overrides the source).
The bot is ready once it polls (E2E_START_TIMEOUT, default 60 s).
On a failed test the tail of every bot's output and log is printed (shown under "Captured stdout teardown").
After every test that used an emulator, everything the bot showed people is read for folder names, file
ids, raw user ids, HTML and Python leftovers (transcript_guard.py); `@pytest.mark.transcript_allow(...)`
excuses the tokens a test deliberately shows.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import ORDERS_FIXTURE, phase_failed
from tests.e2e.harness import BotProcess
from tests.e2e.transcript_guard import findings
from tests.emulator import TelegramEmulator

TOKEN = "123456:TEST-TOKEN-abcdef"
ADMIN_PHONE = "+375290000001"
# bot.py imports aiogram, cv2, numpy...: on a loaded 2-CPU box that alone can take 10+ s
START_TIMEOUT = float(os.environ.get("E2E_START_TIMEOUT", "60"))

BotFactory = Callable[..., Awaitable[BotProcess]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _prepare_copy(root: Path) -> None:
    """A writable copy whose order folders are today's (the calendar dates orders by their folder;
    copytree keeps the checkout's dates, which may be yesterday's)."""
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if path.is_dir() else 0))
    for order in root.iterdir():
        os.utime(order)


async def _every_press_answered(emu: TelegramEmulator) -> None:
    """Like Telegram's clients, a button whose press is never answered keeps spinning: a defect."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while emu.unanswered_callbacks(older_than=0) and loop.time() < deadline:
        await asyncio.sleep(0.1)
    unanswered = emu.unanswered_callbacks(older_than=0)
    assert not unanswered, f"{len(unanswered)} button press(es) never answered by the bot"


@pytest.fixture(autouse=True)
def _people_read_words(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every e2e test: nothing the bot showed may contain a folder name, a file id, a raw user
    id, HTML or Python leftovers (transcript_guard.py; opt out per token with transcript_allow)."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emu: TelegramEmulator = request.getfixturevalue("emulator")
    start = len(emu.transcript)
    yield
    if phase_failed(request.node):
        return  # the test's own failure says more
    allowed = [token for mark in request.node.iter_markers("transcript_allow") for token in mark.args]
    leaks = findings(emu, emu.transcript[start:], allowed)
    assert not leaks, "the bot showed people program internals:\n" + "\n".join(leaks[:30])


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(token=TOKEN, flood_control=True, local_mode=False)
    await emu.start()
    try:
        yield emu
        await _every_press_answered(emu)
    finally:
        await emu.stop()


@pytest.fixture
def orders_dir(tmp_path: Path) -> Path:
    if not ORDERS_FIXTURE.is_dir():
        pytest.fail(f"order fixtures not found at {ORDERS_FIXTURE} (set ORDER_FIXTURES)")
    target = tmp_path / "bot" / "Photo"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ORDERS_FIXTURE, target)
    _prepare_copy(target)
    return target


@pytest.fixture
async def bot_factory(
    request: pytest.FixtureRequest, emulator: TelegramEmulator, tmp_path: Path
) -> AsyncIterator[BotFactory]:
    processes: list[BotProcess] = []

    async def make(*, start: bool = True, workdir: Path | None = None, **kwargs: Any) -> BotProcess:
        kwargs.setdefault("admin_phones", [ADMIN_PHONE])
        kwargs.setdefault("name", f"bot{len(processes) + 1}" if processes else "bot")
        proc = BotProcess(emulator, workdir or tmp_path / "bot", **kwargs)
        processes.append(proc)
        if start:
            await proc.start(timeout=START_TIMEOUT)
        return proc

    try:
        yield make
    finally:
        for proc in processes:
            await proc.stop()
        if phase_failed(request.node):
            for proc in processes:
                print(f"\n{proc.log_tail(120)}")
            print("\n----- emulator: recent failed calls -----")
            for call in emulator.recent_errors(last=20):
                print(f"  {call.method} chat={call.chat_id} -> {call.status} {call.description}")


@pytest.fixture
async def bot(bot_factory: BotFactory, orders_dir: Path) -> BotProcess:
    return await bot_factory(branch_photo=orders_dir)


# --- one bot for a whole module -------------------------------------------------------------
# Starting `python bot.py` costs seconds (aiogram builds ~300 pydantic models on import), so a
# module whose tests each use their own simulated users shares one emulator and one bot:
# mark the module with `pytestmark = pytest.mark.asyncio(loop_scope="module")` and use
# `shared_emulator` / `shared_bot`. Tests that restart or kill the bot keep their own.
# A module may set `SHARED_BOT = {"send_rate_per_chat": 3.0}` (BotProcess keyword arguments).


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(token=TOKEN, flood_control=True, local_mode=False)
    await emu.start()
    try:
        yield emu
        await _every_press_answered(emu)
    finally:
        await emu.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_bot(
    request: pytest.FixtureRequest,
    shared_emulator: TelegramEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[BotProcess]:
    workdir = tmp_path_factory.mktemp("shared-bot")
    photo = workdir / "Photo"
    shutil.copytree(ORDERS_FIXTURE, photo)
    _prepare_copy(photo)
    options = {"admin_phones": [ADMIN_PHONE], **getattr(request.module, "SHARED_BOT", {})}
    proc = BotProcess(shared_emulator, workdir, branch_photo=photo, **options)
    failures_before = request.session.testsfailed
    await proc.start(timeout=START_TIMEOUT)
    try:
        yield proc
    finally:
        await proc.stop()
        if request.session.testsfailed > failures_before:
            print(f"\n{proc.log_tail(150)}")
