"""Paths inside BRANCH_PHOTO, treated as untrusted: nothing the bot reads or writes leaves the share.

The share is written by other programs and people (often over SMB from Windows). A symlink, a
Windows junction or any other reparse point inside it could send the bot's writes anywhere, so the
bot never follows one: every folder on the way from BRANCH_PHOTO to a file is checked without
following links (`lstat`), the file itself is opened with O_NOFOLLOW where the OS has it (and
checked with `lstat` where it has not), and only regular files are read or appended to. A FIFO or
a device opened non-blocking never stalls the bot, and reads are capped.

BRANCH_PHOTO itself may be a link (a mapped share, a mount point): it is the dealer's setting.
Everything below it is not. Each refused path is logged once per process, not on every scan.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_REPARSE_POINT = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
_NAME_SURROGATE = 0x20000000  # reparse tags that point to another path (IsReparseTagNameSurrogate)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)

# A backslash is an ordinary character in a Linux folder name (an order folder may hold one).
_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep, "\0") if sep)
# folders the OS or a NAS keeps (folded): never orders, stages or materials
SYSTEM_DIRS = frozenset({"$recycle.bin", "system volume information", "@eadir", "#recycle", "#snapshot"})

_logged: set[str] = set()
_logged_lock = threading.Lock()


class UnsafePath(OSError):
    """A path in the share is a link, a special file or leads outside BRANCH_PHOTO: not used."""


def is_link(st: os.stat_result) -> bool:
    """A symlink, or on Windows a reparse point that names another path (junction, mount point,
    symlink): from an `lstat` result. Reparse points that hold the file's own data (deduplicated
    files on a Windows file server, OneDrive/cloud placeholders) are plain files."""
    if stat.S_ISLNK(st.st_mode):
        return True
    if not getattr(st, "st_file_attributes", 0) & _REPARSE_POINT:
        return False
    tag = getattr(st, "st_reparse_tag", None)
    return tag is None or bool(tag & _NAME_SURROGATE)


def is_junction_entry(entry: os.DirEntry[str]) -> bool:
    """A directory entry that is a Windows junction or other reparse point (`is_dir(follow_symlinks=
    False)` says True for those on Python < 3.12). POSIX has none: no extra `lstat` there."""
    if os.name != "nt":
        return False
    return is_link(entry.stat(follow_symlinks=False))


def refuse(path: Path | str, why: str) -> UnsafePath:
    """Log a refused path once (the scan sees it every minute) and return the error to raise."""
    key = f"{path}|{why}"
    with _logged_lock:
        first = key not in _logged
        _logged.add(key)
    if first:
        log.warning("Share: %s is %s; the bot does not use it", path, why)
    return UnsafePath(f"{path} is {why}")


def inside(root: Path, *parts: str) -> Path:
    """`root/parts...` as a path, each part one plain name (no separators, no `..`)."""
    for part in parts:
        if not part or part in (".", "..") or any(sep in part for sep in _SEPARATORS):
            raise refuse(Path(root, *[p for p in parts if p]), f"not a plain name ({part!r})")
    return Path(root, *parts)


def check_dir(root: Path, *parts: str, missing_ok: bool = False) -> bool:
    """Check that `root/parts...` is a chain of real folders (no links); True when it exists.

    Raises UnsafePath when a part is a link or not a folder. A missing part gives False with
    `missing_ok`, else FileNotFoundError.
    """
    path = Path(root)
    for part in parts:
        path = inside(path, part)
        st = _plain_stat(path, missing_ok)
        if st is None:
            return False
        if not stat.S_ISDIR(st.st_mode):
            raise refuse(path, "not a folder")
    # Every part is a plain name of a real folder (no `..`, no link): the path resolves inside
    # `root` without asking the file system again (a realpath per call costs a syscall per part).
    return True


def check_file(path: Path, missing_ok: bool = True) -> os.stat_result | None:
    """`lstat` a file in a checked folder: None if missing (with missing_ok); UnsafePath if it is a
    link or not a regular file."""
    st = _plain_stat(path, missing_ok)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise refuse(path, "not a regular file")
    return st


def _plain_stat(path: Path, missing_ok: bool) -> os.stat_result | None:
    """`lstat` of `path`: None if missing (with missing_ok, else FileNotFoundError); UnsafePath if it
    is a link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    if is_link(st):
        raise refuse(path, "a link (symlink or junction)")
    return st


def _open_regular(path: Path, flags: int, mode: int = 0o666) -> tuple[int, os.stat_result]:
    """os.open without following a final link and without blocking on a FIFO; then insist on a
    regular file (O_NONBLOCK changes nothing for those). Windows has no O_NOFOLLOW: the file is
    `lstat`-checked first."""
    if not _NOFOLLOW:
        check_file(path)
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY, mode)
    except OSError as exc:
        if _NOFOLLOW and exc.errno in (errno.ELOOP, errno.EMLINK):
            raise refuse(path, "a link (symlink or junction)") from exc
        if exc.errno == errno.ENXIO:  # a FIFO without a reader, opened for writing non-blocking
            raise refuse(path, "not a regular file") from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(path, "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


class TooBig(OSError):
    """A file is larger than the caller's cap."""


def read_regular(path: Path, cap: int) -> bytes:
    """The bytes of a regular file of at most `cap` bytes: never follows a link, never blocks on a
    FIFO, never reads more than `cap + 1` bytes (a growing or lying file cannot exhaust memory)."""
    fd, st = _open_regular(path, os.O_RDONLY)
    try:
        if st.st_size > cap:
            raise TooBig(f"{path} is larger than {cap} bytes")
        chunks: list[bytes] = []
        total = 0
        want = st.st_size + 1  # usually all of it in one read, then the end of file
        while data := os.read(fd, min(want, cap + 1 - total)):
            chunks.append(data)
            total += len(data)
            if total > cap:
                raise TooBig(f"{path} is larger than {cap} bytes")
            want = 1 << 16
        return b"".join(chunks)
    finally:
        os.close(fd)


def append_text(path: Path, text: str) -> None:
    """Append to a regular file (created if missing), never through a link."""
    fd, _ = _open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as file:
        file.write(text)


def forget_logged() -> None:
    """For tests: log refusals again."""
    with _logged_lock, contextlib.suppress(Exception):
        _logged.clear()
