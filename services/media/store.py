"""Files in order folders: safe names, atomic writes, clean-up of what a crash left behind.

No aiogram here. `MediaStore.save()` takes a `fetch(temp_path)` coroutine that puts the bytes
into a temporary file (a Telegram download, a copy from the local Bot API server's disk...);
the store decides where that file goes and makes it appear there atomically:

    BRANCH_PHOTO/<order>/<subfolder>/.<name>.<random>.part   <- fetch() writes here
    flush + fsync, then link (never overwriting) to            BRANCH_PHOTO/<order>/<subfolder>/<name>

The order folder itself is never created: an order closed or moved away meanwhile raises
`OrderFolderGone` and nothing is written anywhere. An order or stage folder that is a link
(symlink, junction) raises `UnsafePath` (services/share_paths.py): nothing is followed out of
the share. Names are cut to fit every file system on the way (255 bytes on Linux, 255 UTF-16
units on Windows and SMB), keeping the extension, so a long name never costs a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import filecmp
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.share_paths import UnsafePath, check_dir, check_file, inside, is_junction_entry

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
MAX_NAME_LENGTH = 120  # characters of the final name; Windows paths stay well under 260
# UTF-8 bytes of the final name: 255 is the limit of ext4/NTFS/SMB, minus room for " (10000)" and
# the temp name around it (".<name>.<8 hex>.part").
MAX_NAME_BYTES = 200
MAX_COLLISIONS = 10_000
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile of the official cloud Bot API
LOCAL_DOWNLOAD_LIMIT = 2000 * 1024 * 1024  # the official local Bot API server (--local)

_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
    | {"com¹", "com²", "com³", "lpt¹", "lpt²", "lpt³"}
)
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_SPACES = re.compile(r"\s+")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})

Fetch = Callable[[Path], Awaitable[None]]


class OrderFolderGone(Exception):
    """The order folder no longer exists (closed, moved or removed): nothing was written."""


class FileTooBig(Exception):
    """The file is larger than the Bot API lets the bot download."""


class FetchFailed(Exception):
    """The bytes could not be obtained (Telegram refused, network gave up); the reason is the message."""


@dataclass(frozen=True, slots=True)
class SavedFile:
    path: Path
    rel_path: str  # relative to the root, '/' separators (for SQLite and the protocol)
    size: int


def download_limit(local_api: bool) -> int:
    return LOCAL_DOWNLOAD_LIMIT if local_api else CLOUD_DOWNLOAD_LIMIT


def safe_file_name(raw: str | None, fallback: str = "file", max_length: int = MAX_NAME_LENGTH) -> str:
    """A name that is one plain file inside a folder on Windows and Linux, whatever `raw` holds.

    Directories are stripped (`../../evil.txt` -> `evil.txt`), forbidden and control characters
    replaced, leading dots (hidden files, our `.part` names) and trailing dots/spaces removed,
    reserved Windows device names (`CON.txt`) prefixed, the length limited keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if unicodedata.category(ch) in _BAD_CATEGORIES else ch for ch in name)
    name = _FORBIDDEN.sub("_", name)
    name = _SPACES.sub(" ", name).strip().lstrip(".").rstrip(". ").strip()
    if not name.strip("_. "):
        name = fallback
    stem, ext = _split_extension(name)
    if stem.split(".")[0].rstrip(" ").casefold() in _RESERVED:
        stem = "_" + stem
    stem = stem[: max(1, max_length - len(ext))].rstrip(". ") or "_"
    stem = _cut_bytes(stem, MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(". ") or "_"
    return stem + ext


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not 1 <= len(ext) <= 16 or " " in ext or len(ext.encode("utf-8")) > 32:
        return name, ""
    return stem, "." + ext


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of whole characters within `limit` UTF-8 bytes."""
    return text.encode("utf-8")[: max(1, limit)].decode("utf-8", errors="ignore")


def media_file_name(taken_at: datetime, message_id: int, extension: str) -> str:
    """`20261126_142501_<msgid>.jpg`: sortable by time, unique per message."""
    ext = "".join(ch for ch in extension if ch.isascii() and ch.isalnum())[:10].lower() or "bin"
    return f"{taken_at:%Y%m%d_%H%M%S}_{message_id}.{ext}"


def numbered(name: str, n: int) -> str:
    """`report.pdf`, 2 -> `report (2).pdf`."""
    if n <= 1:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({n})"
    return f"{stem} ({n}).{ext}"


def part_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(4)}{PART_SUFFIX}"


def is_part_file(name: str) -> bool:
    return name.startswith(".") and name.endswith(PART_SUFFIX)


class MediaStore:
    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        return self._root

    async def save(self, order_number: str, subfolder: str, name: str, fetch: Fetch) -> SavedFile:
        """Fetch into a temp file next to the target and publish it under a free name.

        Raises OrderFolderGone (nothing written), or whatever `fetch` raised (temp file removed).
        """
        order_dir = self._order_dir(order_number)
        safe = safe_file_name(name)
        target_dir = await asyncio.to_thread(_prepare_folder, order_dir, _checked_part(subfolder))
        temp = target_dir / part_name(safe)
        try:
            await fetch(temp)
            final = await asyncio.to_thread(_publish, temp, order_dir, target_dir, safe)
        finally:
            await asyncio.to_thread(_remove_quietly, temp)
        size = os.lstat(final).st_size
        return SavedFile(final, final.relative_to(self._root).as_posix(), size)

    def _order_dir(self, order_number: str) -> Path:
        return inside(self._root, _checked_part(order_number))


def _checked_part(part: str) -> str:
    """Order numbers and subfolders come from folder names and config; refuse anything path-like.
    A backslash is a plain character in a Linux folder name; `inside` refuses real separators."""
    inside(Path("."), part)
    return part


def _check_folders(order_dir: Path, subfolder: str | None = None) -> None:
    """The order folder (and the stage folder) exist as real folders in the share, not links."""
    parts = (order_dir.name,) if subfolder is None else (order_dir.name, subfolder)
    try:
        check_dir(order_dir.parent, *parts)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise OrderFolderGone(str(order_dir)) from exc


def _prepare_folder(order_dir: Path, subfolder: str) -> Path:
    _check_folders(order_dir)
    target = order_dir / subfolder
    try:
        target.mkdir(exist_ok=True)  # never parents=True: a removed order folder is not recreated
    except FileNotFoundError as exc:
        raise OrderFolderGone(str(order_dir)) from exc
    except FileExistsError as exc:  # a file or a dangling link where the folder should be
        raise UnsafePath(f"{target} is not a folder") from exc
    _check_folders(order_dir, subfolder)  # mkdir(exist_ok) is content with a link to a folder
    return target


def _publish(temp: Path, order_dir: Path, target_dir: Path, name: str) -> Path:
    """fsync the temp file, then give it the first free name; the temp name is removed by the caller."""
    _check_folders(order_dir, target_dir.name)  # swapped for a link while the download ran?
    with temp.open("rb+") as file:
        file.flush()
        os.fsync(file.fileno())
    for n in range(1, MAX_COLLISIONS + 1):
        final = target_dir / numbered(name, n)
        if final.parent != target_dir:  # cannot happen with safe names; never write elsewhere
            raise ValueError(f"unsafe target {final}")
        try:
            _link_no_overwrite(temp, final)
        except FileExistsError:
            if _same_bytes(temp, final):  # filed before a crash, replayed now: keep the one copy
                return final
            continue
        _fsync_dir(target_dir)
        return final
    raise FileExistsError(errno.EEXIST, "no free file name", str(target_dir / name))


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        existing = check_file(b)  # never compare through a link or with a FIFO/device
        return existing is not None and a.stat().st_size == existing.st_size and filecmp.cmp(a, b, False)
    except OSError:
        return False


def _link_no_overwrite(source: Path, target: Path) -> None:
    """Make `target` hold `source`'s bytes, failing with FileExistsError if `target` exists."""
    try:
        os.link(source, target)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # filesystems without hard links (FAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES):
            raise
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # reserve the name, then move over it
    os.close(fd)
    os.replace(source, target)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def cleanup_partial_files(root: Path, older_than: float | None = None) -> int:
    """Remove `.*.part` temp files a crash left in BRANCH_PHOTO/<order>/<subfolder>/ (blocking).

    `older_than` (a time.time() value): keep temp files modified after it, i.e. downloads this
    process has already started again.
    """
    removed = 0
    try:
        orders = list(os.scandir(root))
    except OSError as exc:
        log.warning("Partial-file clean-up skipped: %s cannot be listed (%s)", root, exc)
        return 0
    for order in orders:
        try:
            if not order.is_dir(follow_symlinks=False) or is_junction_entry(order):
                continue
            subfolders = [
                entry
                for entry in os.scandir(order.path)
                if entry.is_dir(follow_symlinks=False) and not is_junction_entry(entry)
            ]
        except OSError:
            continue
        for sub in subfolders:
            try:
                leftovers = [e for e in os.scandir(sub.path) if is_part_file(e.name) and e.is_file()]
            except OSError:
                continue
            for entry in leftovers:
                try:
                    if older_than is not None and entry.stat().st_mtime >= older_than:
                        continue
                    os.unlink(entry.path)
                    removed += 1
                except OSError as exc:
                    log.warning("Could not remove partial file %s: %s", entry.path, exc)
    if removed:
        log.info("Removed %d partial file(s) left by an interrupted download", removed)
    return removed
