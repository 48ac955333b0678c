"""Modules here share one emulator and one `python bot.py` per module (see ../conftest.py).

Starting the bot costs seconds, so tests that each bring their own users (distinct phones, their
own orders) run against one process: `emulator`, `bot` and `orders_dir` name the shared ones.
Each module runs its tests in the module's event loop:
`pytestmark = pytest.mark.asyncio(loop_scope="module")`. A module may set `SHARED_BOT = {...}` (BotProcess
options). Tests that restart, stop or kill the bot live one level up, with a bot of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import BotProcess
from tests.emulator import TelegramEmulator


@pytest.fixture(scope="module")
def emulator(shared_emulator: TelegramEmulator) -> TelegramEmulator:
    return shared_emulator


@pytest.fixture(scope="module")
def bot(shared_bot: BotProcess) -> BotProcess:
    return shared_bot


@pytest.fixture(scope="module")
def orders_dir(shared_bot: BotProcess) -> Path:
    return shared_bot.branch_photo
