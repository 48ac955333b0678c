"""A bench world: the emulator, `python bot.py`, and employee/client pairs working in orders."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import BotProcess  # noqa: E402
from tests.emulator import SimUser, TelegramEmulator  # noqa: E402

TOKEN = "123456:BENCH-TOKEN-abcdef"
STAGE = "Прием автомобилей"


@dataclass
class Pair:
    employee: SimUser
    client: SimUser
    order: str


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class World:
    def __init__(
        self, pairs: int, flood_control: bool = False, extra_env: dict[str, str] | None = None
    ) -> None:
        self.pair_count = pairs
        self.flood_control = flood_control
        self.extra_env = extra_env or {}
        self.tmp = Path(tempfile.mkdtemp(prefix="dealer-bench-"))
        self.emu = TelegramEmulator(token=TOKEN, flood_control=flood_control)
        self.bot: BotProcess | None = None
        self.pairs: list[Pair] = []

    async def __aenter__(self) -> World:
        await self.emu.start()
        photo = self.tmp / "Photo"
        for index in range(self.pair_count):
            folder = photo / f"b{index:05d}"
            folder.mkdir(parents=True)
            content = {"order": folder.name, "barcode": str(10**12 + index), "phone": _phone(index),
                       "plate_number": "1234 AB-7"}  # fmt: skip
            (folder / "content.txt").write_text(json.dumps(content), encoding="utf-8")
        limits = {} if self.flood_control else {"SEND_RATE_GLOBAL": "0", "SEND_RATE_PER_CHAT": "0"}
        self.bot = BotProcess(
            self.emu, self.tmp, branch_photo=photo, log_level="WARNING",
            extra_env={**limits, **self.extra_env},
        )  # fmt: skip
        await self.bot.start()
        await self._connect_pairs()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.bot is not None:
            await self.bot.stop()
        await self.emu.stop()

    async def _connect_pairs(self) -> None:
        for index in range(self.pair_count):
            employee = self.emu.add_user(first_name=f"Сотрудник{index}", phone=f"+37544{index:07d}")
            client = self.emu.add_user(first_name=f"Клиент{index}", phone=_phone(index))
            self.pairs.append(Pair(employee, client, f"b{index:05d}"))
        await asyncio.gather(*(_connect(u) for p in self.pairs for u in (p.employee, p.client)))
        await self._wait_orders_indexed()
        with sqlite3.connect(self.bot.database_path, timeout=30) as conn:  # type: ignore[union-attr]
            for pair in self.pairs:
                order_id = conn.execute("SELECT id FROM orders WHERE number = ?", (pair.order,)).fetchone()[0]
                conn.execute(
                    "UPDATE users SET level = 2, name = ? WHERE telegram_id = ?",
                    (f"Мастер {pair.employee.id}", pair.employee.id),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO work_context (telegram_id, order_id, type_label, updated_at)"
                    " VALUES (?, ?, ?, ?)",
                    (pair.employee.id, order_id, STAGE, time.time()),
                )

    async def _wait_orders_indexed(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(self.bot.database_path, timeout=30) as conn:  # type: ignore[union-attr]
                count = conn.execute("SELECT COUNT(*) FROM orders WHERE is_open = 1").fetchone()[0]
            if count >= self.pair_count:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the bot did not index the bench orders")

    def client_calls(self, method: str) -> list:
        clients = {pair.client.id for pair in self.pairs}
        return [c for c in self.emu.calls if c.method == method and c.status == 200 and c.chat_id in clients]


async def _connect(user: SimUser) -> None:
    await user.send_text("/start")
    await user.wait_text("Отправить мой номер", timeout=60)
    await user.send_contact()
    await user.wait_text("Вы подключены", timeout=60)


def _phone(index: int) -> str:
    return f"+37529{index:07d}"


def run(main: object) -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main)  # type: ignore[arg-type]


class Arrivals:
    """Incrementally collects when each tagged text reached a client (scans only new calls)."""

    def __init__(self, world: World, pattern: str = r"#m(\d+)") -> None:
        import re

        self._world = world
        self._pattern = re.compile(pattern)
        self._clients = {pair.client.id for pair in world.pairs}
        self._seen = 0
        self.at: dict[int, float] = {}

    def update(self) -> int:
        calls = self._world.emu.calls
        for call in calls[self._seen :]:
            if call.method == "sendMessage" and call.status == 200 and call.chat_id in self._clients:
                match = self._pattern.search(str(call.params.get("text", "")))
                if match:
                    self.at.setdefault(int(match.group(1)), call.at)
        self._seen = len(calls)
        return len(self.at)

    async def wait(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.update() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(self.at)} of {count} messages arrived")
            await asyncio.sleep(0.01)
