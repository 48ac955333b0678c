"""Issue 15's story (test_inspection_story.py) with a hostile Telegram: HTML 502/504 pages, 429 with
retry_after, connections cut before and after a call took effect, a long poll whose answer is lost —
nothing is lost and nothing arrives twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import BotFactory
from tests.e2e.test_inspection_story import HOSTILE_KINDS, HOSTILE_METHODS, story
from tests.emulator import TelegramEmulator


@pytest.mark.parametrize("seed", [15])
async def test_inspection_story_with_a_hostile_telegram(
    emulator: TelegramEmulator, bot_factory: BotFactory, orders_dir: Path, seed: int
) -> None:
    bot = await bot_factory(branch_photo=orders_dir)
    emulator.rng.seed(seed)
    emulator.fault_methods = HOSTILE_METHODS
    emulator.fault_kinds = HOSTILE_KINDS
    emulator.fault_kinds_for = {"getupdates": ("502html", "504html", "drop", "drop_after")}
    emulator.fault_rate = 0.2
    await story(emulator, bot, orders_dir, hostile=True)
