"""BotProcess: runs ``python bot.py`` (or a stand-in script) as a subprocess against a TelegramEmulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from tests.emulator import TelegramEmulator

__all__ = ["REPO_ROOT", "BotProcess"]

REPO_ROOT = Path(__file__).resolve().parents[2]
_PASSTHROUGH = ("SEND_RATE_GLOBAL", "SEND_RATE_PER_CHAT")


class BotProcess:
    """One bot subprocess. ``start()`` may be called again after ``stop()``/``kill()`` (same DB/dirs).

    Layout under ``workdir``: Photo/ (BRANCH_PHOTO unless given), bot.db, logs/ (LOG_DIR),
    ``<name>.out.log`` (the process's stdout+stderr, appended across restarts).
    """

    def __init__(
        self,
        emu: TelegramEmulator,
        workdir: Path,
        *,
        script: Path | str | None = None,
        branch_photo: Path | None = None,
        admin_phones: Sequence[str] = (),
        organization_name: str = "Автосервис Тест",
        send_rate_global: float | None = None,
        send_rate_per_chat: float | None = None,
        log_level: str = "DEBUG",
        extra_env: Mapping[str, str] | None = None,
        name: str = "bot",
        args: Sequence[str] = (),
    ) -> None:
        self.emu = emu
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.script = Path(script) if script is not None else REPO_ROOT / "bot.py"
        self.branch_photo = Path(branch_photo) if branch_photo is not None else self.workdir / "Photo"
        self.branch_photo.mkdir(parents=True, exist_ok=True)
        self.database_path = self.workdir / "bot.db"
        self.log_dir = self.workdir / "logs"
        self.output_path = self.workdir / f"{name}.out.log"
        self.status_messages_path = self.workdir / "status_messages.txt"  # never the checkout's file
        self.admin_phones = list(admin_phones)
        self.organization_name = organization_name
        self.send_rate_global = send_rate_global
        self.send_rate_per_chat = send_rate_per_chat
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        self.name = name
        self.args = list(args)  # command-line options of bot.py, e.g. ["--demo"]
        self.proc: subprocess.Popen | None = None
        self._out: IO[bytes] | None = None
        self.starts = 0

    # ------------------------------------------------------------------ environment

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            BOT_TOKEN=self.emu.token,
            TELEGRAM_API_URL=self.emu.base_url,
            TELEGRAM_API_LOCAL="true" if self.emu.local_mode else "false",
            BRANCH_PHOTO=str(self.branch_photo),
            DATABASE_PATH=str(self.database_path),
            LOG_DIR=str(self.log_dir),
            BACKUP_DIR=str(self.workdir / "backups"),
            LOG_LEVEL=self.log_level,
            ADMIN_PHONES=json.dumps(self.admin_phones),
            ORGANIZATION_NAME=self.organization_name,
            DIGEST_TIME="",  # the admins' daily digest only where a test asks for it (extra_env)
            STATUS_MESSAGES_FILE=str(self.status_messages_path),
            PYTHONUNBUFFERED="1",
            PYTHONIOENCODING="utf-8",
        )
        for key, value in (
            ("SEND_RATE_GLOBAL", self.send_rate_global),
            ("SEND_RATE_PER_CHAT", self.send_rate_per_chat),
        ):
            if value is not None:
                env[key] = str(value)
        env.update(self.extra_env)
        return env

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    async def start(self, wait_polling: bool = True, timeout: float = 20.0) -> BotProcess:
        """Spawn the process; if ``wait_polling``, return once the emulator sees its first getUpdates."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.proc.pid})")  # type: ignore[union-attr]
        self._close_output()
        self._out = self.output_path.open("ab")
        self.starts += 1
        self._out.write(f"\n===== start #{self.starts} of {self.script.name} =====\n".encode())
        self._out.flush()
        since = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(self.script), *self.args],
            cwd=str(REPO_ROOT),
            env=self.env(),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if wait_polling:
            await self.wait_polling(timeout, since=since)
        return self

    async def wait_polling(self, timeout: float = 20.0, since: float | None = None) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.emu.last_poll_at is not None and (since is None or self.emu.last_poll_at >= since):
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.proc.returncode} before polling\n{self.log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.name} did not call getUpdates within {timeout}s\n{self.log_tail()}"
                )
            with contextlib.suppress(TimeoutError):
                await self.emu.wait_polling(min(remaining, 0.2), since=since)

    async def wait(self, timeout: float = 10.0) -> int:
        """Wait for the process to exit on its own; return its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc is not None and self.proc.poll() is None:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self.name} still running after {timeout}s")
            await asyncio.sleep(0.05)
        return self.returncode if self.returncode is not None else 0

    async def stop(self, timeout: float = 10.0) -> int | None:
        """Graceful stop: SIGTERM (terminate() on Windows), wait up to ``timeout``, then SIGKILL."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                await self.wait(timeout)
            except TimeoutError:
                self.kill()
                await self.wait(5.0)
        self._close_output()
        return self.returncode

    def kill(self) -> None:
        """Crash simulation: SIGKILL, no cleanup in the bot."""
        if self.proc is not None and self.proc.poll() is None:
            if hasattr(signal, "SIGKILL"):
                self.proc.send_signal(signal.SIGKILL)
            else:  # pragma: no cover - Windows
                self.proc.kill()
            self.proc.wait(5.0)

    def interrupt(self) -> None:
        """Ctrl+C (SIGINT)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)

    def _close_output(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    # ------------------------------------------------------------------ logs

    def log_text(self) -> str:
        """stdout+stderr of all runs, followed by the bot's own log files in LOG_DIR."""
        parts = []
        if self.output_path.exists():
            parts.append(self.output_path.read_text(encoding="utf-8", errors="replace"))
        if self.log_dir.is_dir():
            for path in sorted(self.log_dir.glob("*.log*")):
                parts.append(f"\n===== {path.name} =====\n")
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "".join(parts)

    def output_text(self) -> str:
        """stdout+stderr only."""
        if not self.output_path.exists():
            return ""
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 80) -> str:
        text = self.output_text().splitlines()[-lines:]
        logs = ""
        if self.log_dir.is_dir():
            files = sorted(self.log_dir.glob("*.log"))
            if files:
                content = files[-1].read_text(encoding="utf-8", errors="replace").splitlines()
                if content and content[-1] not in text:  # the bot may log to stderr too: don't repeat
                    logs = "\n".join(content[-lines:])
        out = f"----- {self.name} stdout/stderr (last {lines} lines) -----\n" + "\n".join(text)
        if logs:
            out += f"\n----- {self.name} log file (last {lines} lines) -----\n{logs}"
        return out
