"""One copy of the bot per database: an OS file lock on `<database>.lock`.

The operating system drops the lock when the process ends however it ends (kill -9, power cut of
the process, a crash), so a stale lock never blocks the next start; the file itself stays.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class AlreadyRunning(Exception):
    """Another process holds the lock; `pid` is what it wrote there, if readable."""

    def __init__(self, path: Path, pid: str | None) -> None:
        super().__init__(f"{path} is locked by pid {pid}")
        self.path = path
        self.pid = pid


def lock_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".lock")


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning; OSError when the file cannot be created."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        file = os.fdopen(fd, "r+", encoding="ascii")
        try:
            _lock(file)
        except OSError:
            file.close()
            raise AlreadyRunning(self.path, _read_pid(self.path)) from None
        file.seek(0)
        file.write(f"{os.getpid():<20}\n")  # fixed width: overwrites an older pid without truncating
        file.flush()
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(file: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        # Windows locks are on byte ranges and stop others reading them: lock a byte past the pid.
        file.seek(64)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _read_pid(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None
